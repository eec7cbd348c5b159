# after val2_cmds.sh (every seed): the rule of val_cmds.sh on attempt 2's ratios
R=benchmarks/graph/results/round5
for S in 100 101 102; do cat $R/val_small_s$S.out $R/val2_nci1_s$S.out > $R/val2_s$S.out; done
${PYTHON:-python} benchmarks/graph/aggregate_validation.py $R/val2_s100.out $R/val2_s101.out $R/val2_s102.out \
    --readouts "auto-1se[words-l0],auto-1se[words-l0|words]" --features 128 \
    --baseline-readout "auto-1se[words-l0]" --target NCI1 --margin 0.005 > $R/val2_aggregate.out 2>&1
