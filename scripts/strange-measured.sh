#!/bin/bash
# Writes src/analysis/strange-measured.ts (to stdout) from the strange-causes results files kept in
# docs/strange-models/: the calibration plans and every prevention plan. After `npm run build:ts`:
#   bash scripts/strange-measured.sh > src/analysis/strange-measured.ts && npx prettier --write src/analysis/strange-measured.ts
# test/strange-measured.test.ts checks that the committed file is what this writes.
set -euo pipefail
cd "$(dirname "$0")/.."
D=docs/strange-models
exec node scripts/strange-measured.mjs \
  --calibrate "$D/calibrate.jsonl.gz,$D/calibrate8.jsonl.gz" \
  --calibrate-command 'radixnet experiment strange-causes --stages calibrate --fit-seeds 100,101 --eval-seeds 200..203 --others 16 (stopped after seeds 100, 200, 101) and --fit-seeds 102,103 --eval-seeds 201..203 --others 16 --feed-fan-in -1; radixnet summarize of both files' \
  --prevent "$(ls "$D"/prevent*.jsonl.gz | paste -sd,)" \
  --prevent-command 'radixnet experiment strange-causes --stages prevent, the plans listed in docs/strange-models.md'
