#!/usr/bin/env bash
# Creates bench/.venv with the peers used as oracles and baselines (scikit-learn, faiss-cpu,
# numpy, scipy), installed offline from the wheels this machine image ships. Prints the venv's
# python path on success; exits 1 with a message when the wheels are not on this machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import sklearn, faiss, numpy, scipy" 2>/dev/null; then
  echo "$venv/bin/python"; exit 0
fi
dirs=()
for whl in $(find / -xdev \( -name 'scikit_learn-*.whl' -o -name 'faiss_cpu-*.whl' \) 2>/dev/null); do
  d="$(dirname "$whl")"; [[ " ${dirs[*]-} " == *" $d "* ]] || dirs+=("$d")
done
if [ ${#dirs[@]} -eq 0 ]; then echo "setup-python: no scikit-learn / faiss-cpu wheels on this machine" >&2; exit 1; fi
links=(); for d in "${dirs[@]}"; do links+=(--find-links "$d"); done
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --no-index "${links[@]}" scikit-learn faiss-cpu numpy scipy >&2
echo "$venv/bin/python"
