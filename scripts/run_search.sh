#!/usr/bin/env bash
# ClearML's manual random parameter search on the embedded local server, start to finish:
# start the server (or reuse the running one), register the template, start a clearml-agent on
# the queue, run the controller and wait for the clones. The server stays up for the web UI.
# Arguments go to random_search.py (for example --seed 7 --total-number-of-experiments 5);
# --stop-server alone stops the server instead.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$PWD/.venv/bin/python"
DATA_DIR="${CLEARML_LOCAL_DATA_DIR:-$HOME/.clearml-local}"
PID_FILE="$DATA_DIR/server.pid"
mkdir -p "$DATA_DIR"

server_running() {
    [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && [ -f "$DATA_DIR/clearml.env" ]
}

if [ "${1:-}" = "--stop-server" ]; then
    if server_running; then kill "$(cat "$PID_FILE")" && echo "Stopped the local ClearML server."
    else echo "No local ClearML server is running for $DATA_DIR."; fi
    rm -f "$PID_FILE"
    exit 0
fi

if ! server_running; then
    rm -f "$DATA_DIR/clearml.env"
    nohup "$PY" -m clearml_local serve --data-dir "$DATA_DIR" ${CLEARML_LOCAL_SERVER_ARGS:-} \
        > "$DATA_DIR/server.log" 2>&1 &
    echo $! > "$PID_FILE"
    for _ in $(seq 100); do
        [ -f "$DATA_DIR/clearml.env" ] && break
        kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { cat "$DATA_DIR/server.log"; exit 1; }
        sleep 0.1
    done
fi
# shellcheck disable=SC1091
source "$DATA_DIR/clearml.env"
echo "Local ClearML server: API $CLEARML_API_HOST, web UI $CLEARML_WEB_HOST (log: $DATA_DIR/server.log)"

echo "== Registering the template task (base_template_keras_simple.py)"
"$PY" base_template_keras_simple.py

echo "== Starting clearml-agent on queue 'default' (log: $DATA_DIR/agent.log)"
# Polling every second instead of every 5 s: the agent also polls for the end of each clone.
CLEARML_AGENT_SKIP_PYTHON_ENV_INSTALL=1 CLEARML_AGENT_SKIP_PIP_VENV_INSTALL="$PY" \
    CLEARML_AGENT_QUEUE_POLL_FREQ_SEC=1 PATH="$PWD/.venv/bin:$PATH" \
    "$PWD/.venv/bin/clearml-agent" daemon --queue default --foreground \
    > "$DATA_DIR/agent.log" 2>&1 &
AGENT_PID=$!
trap 'kill $AGENT_PID 2>/dev/null || true' EXIT

echo "== Running the random search controller (random_search.py --wait)"
"$PY" random_search.py --wait "$@"

echo
echo "The local server keeps running so you can compare the results: open $CLEARML_WEB_HOST"
echo "(log in with access key $CLEARML_API_ACCESS_KEY and secret key $CLEARML_API_SECRET_KEY)."
echo "Stop it with: make stop"
