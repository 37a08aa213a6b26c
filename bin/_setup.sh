# Shared by bin/run and bin/test: system packages (Debian/Ubuntu as root), the virtualenv.

install_system_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing system packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
  fi
}

# ensure_venv EXTRA [--progress]: the virtualenv with the project and EXTRA installed (once per
# pyproject.toml change). --progress (bin/run) says what it does and shows pip's progress; without
# it (bin/test, CI) it installs quietly.
ensure_venv() {
  local extra="$1" progress="${2:-}"
  local python="${PYTHON:-python3}"
  local stamp=".venv/.installed-$extra"
  if [ "$progress" = --progress ] && { [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; }; then
    echo "正在安装依赖（首次约1分钟）…"
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    if [ "$progress" = --progress ]; then
      pip_with_progress .venv/install.log sh -c \
        '.venv/bin/pip install --upgrade pip && exec .venv/bin/pip install -e ".[$1]"' sh "$extra"
    else
      .venv/bin/pip install -q --upgrade pip >/dev/null
      .venv/bin/pip install -q -e ".[$extra]"
    fi
    touch "$stamp"
  fi
}

# pip_with_progress LOG COMMAND...: run pip (COMMAND) with its output in LOG, showing the packages handled
# so far and the time spent; on failure, the end of LOG. PIP_PID names it for a trap meanwhile.
pip_with_progress() {
  local log="$1" start=$SECONDS status=0 count
  shift
  "$@" >"$log" 2>&1 &
  PIP_PID=$!
  while kill -0 "$PIP_PID" 2>/dev/null; do
    count=$(grep -cE '^(Collecting|Processing|Obtaining|Requirement already satisfied)' "$log" || true)
    if [ -t 1 ]; then
      printf '\r  已处理 %s 个软件包，用时 %s 秒 ' "$count" "$((SECONDS - start))"
    else
      printf '.'
    fi
    sleep 1
  done
  wait "$PIP_PID" || status=$?
  PIP_PID=
  count=$(grep -cE '^(Collecting|Processing|Obtaining|Requirement already satisfied)' "$log" || true)
  if [ -t 1 ]; then printf '\r'; else printf '\n'; fi
  printf '  已处理 %s 个软件包，用时 %s 秒\n' "$count" "$((SECONDS - start))"
  if [ "$status" -ne 0 ]; then
    echo "安装失败（pip 退出码 $status），pip 的输出在 $log，最后几行：" >&2
    tail -n 15 "$log" >&2
    return "$status"
  fi
}

pg_reachable() {
  .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
}
