"""Fast settings of ConjugateMomentSampler for the common harness."""

CONFIGS = {
    "ConjugateMomentSampler": dict(
        params=dict(
            hidden_layer_sizes=(8,),
            n_particles=32,
            n_langevin_steps=5,
            max_iter=5,
            n_inner_steps=2,
        ),
        grid={"damping": [0.3, 0.5]},
        # score() is the mean log-likelihood of the model (score_samples), so GridSearchCV
        # needs no scoring argument.
        expected_failed_checks={},
    )
}
