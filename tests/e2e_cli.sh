#!/usr/bin/env bash
# e2e_cli.sh — the command line as an operator uses it, against the real test Redis and
# PostgreSQL: exit codes (0 ok, 1 user error, 2 environment error), one-line messages that
# name the variable or field, migrate and directory load twice and concurrently, and serve's
# /healthz, busy-port and shutdown behaviour.
set -uo pipefail
BIN=${1:?usage: e2e_cli.sh path/to/sampark}
: "${TEST_DATABASE_URL:?run with scripts/test (TEST_DATABASE_URL unset)}"
: "${TEST_REDIS_URL:?run with scripts/test (TEST_REDIS_URL unset)}"

passed=0 failed=0
tmp=$(mktemp -d)
db="e2e_$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; [ -f "$tmp/err" ] && sed 's/^/     stderr: /' "$tmp/err" | head -5; }

# expect NAME STATUS PATTERN -- command...: exit status and a stderr+stdout pattern.
expect() {
  local name=$1 want=$2 pattern=$3; shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then bad "$name (exit $got, want $want)"; return; fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/out" "$tmp/err"; then bad "$name (no /$pattern/)"; return; fi
  if [ "$want" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then bad "$name (error is not one line)"; return; fi
  ok "$name"
}

base=${TEST_DATABASE_URL%/*}
url="$base/$db"
psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null || { echo "cannot create $db"; exit 1; }
export DATABASE_URL=$url REDIS_URL=$TEST_REDIS_URL

expect "no command is a usage error"          1 "no command given"               -- "$BIN"
expect "unknown command"                      1 "unknown command 'frobnicate'" -- "$BIN" frobnicate
expect "bad SAMPARK_LISTEN names it"          1 "^sampark: SAMPARK_LISTEN" -- env SAMPARK_LISTEN=localhost "$BIN" migrate
expect "bad REDIS_URL names it"               1 "REDIS_URL"             -- env REDIS_URL=http://x "$BIN" migrate
expect "bad SAMPARK_SEND_RATE names it"       1 "SAMPARK_SEND_RATE"     -- env SAMPARK_SEND_RATE=5000 "$BIN" migrate
expect "unknown SAMPARK_ variable named"      1 "SAMPARK_SEND_RAT: unknown variable" -- env SAMPARK_SEND_RAT=10 "$BIN" migrate
expect "serve refuses without WA_APP_SECRET"  1 "WA_APP_SECRET"         -- env -u WA_APP_SECRET "$BIN" serve
expect "serve refuses an unknown role"        1 "--role 'boss'"         -- env WA_APP_SECRET=x "$BIN" serve --role boss
expect "migrate: database unreachable is 2"   2 "DATABASE_URL"          -- env DATABASE_URL=postgresql://sampark@127.0.0.1:1/x "$BIN" migrate
expect "migrate applies"                      0 "applied 0001_init.sql" -- "$BIN" migrate
expect "migrate again is a no-op"             0 "up to date"            -- "$BIN" migrate

# Three migrations at once on a fresh database: all succeed, each file applied once.
psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE ${db}_c" >/dev/null
for i in 1 2 3; do DATABASE_URL="$base/${db}_c" "$BIN" migrate >"$tmp/c$i" 2>&1 & pids+=($!); done
cstatus=0
for p in "${pids[@]}"; do wait "$p" || cstatus=1; done
pids=()
applied=$(cat "$tmp"/c1 "$tmp"/c2 "$tmp"/c3 | grep -c '^applied 0001_init.sql')
if [ "$cstatus" -eq 0 ] && [ "$applied" -eq 1 ]; then ok "concurrent migrate applies once"; else bad "concurrent migrate (status $cstatus, applied $applied times)"; fi
psql "$TEST_DATABASE_URL" -qc "DROP DATABASE ${db}_c WITH (FORCE)" >/dev/null

expect "roster show before any directory"    1 "no helpdesk roster is loaded" -- "$BIN" roster show
expect "directory load"                       0 "14 departments \(14 added" -- "$BIN" directory load flows/district.json
expect "directory load again changes nothing" 0 "0 added, 0 changed, 0 retired\), officers 0 added, 0 changed, 0 removed$" -- "$BIN" directory load flows/district.json
sed 's/"sla_hours": 48/"sla_hours": 0/' flows/district.json >"$tmp/bad.json"
expect "directory load refuses bad SLA"       1 "departments\[0\] \(PHE\): \"sla_hours\"" -- "$BIN" directory load "$tmp/bad.json"
expect "directory load: missing file"         1 "cannot open"           -- "$BIN" directory load "$tmp/none.json"
expect "directory without load"               1 "directory load FILE"   -- "$BIN" directory
expect "roster show: who is on duty at --at"  0 "^PHE: on duty 919800000001$" -- "$BIN" roster show --at 2026-12-07T05:30:00Z
expect "roster show: --at in the district's zone" 0 "^at 2026-12-07 10:00 Asia/Kolkata \(mon\)$" -- "$BIN" roster show --at 2026-12-07T10:00:00+05:30
expect "roster show: closed, next opening"    0 "^helpdesk closed; opens mon 10:00$" -- "$BIN" roster show --at 2026-12-06T12:00:00Z
expect "roster show now runs"                 0 "^fallback 919800000090$" -- "$BIN" roster show
expect "roster show refuses a bad --at"       1 "--at 'tomorrow' is not ISO 8601" -- "$BIN" roster show --at tomorrow
expect "roster without show"                  1 "roster show \[--at ISO8601\]" -- "$BIN" roster
sed 's/"department": "REVENUE"/"department": "EDU"/' flows/district.json >"$tmp/badroster.json"
expect "directory load refuses an unknown roster department" 1 "helpdesk.roster\[1\]: department \"EDU\" is not one of" -- "$BIN" directory load "$tmp/badroster.json"
sed 's/"from": "14:00", "to": "17:00"/"from": "14:00", "to": "18:00"/' flows/district.json >"$tmp/badroster.json"
expect "directory load refuses a slot outside the hours" 1 "helpdesk.roster\[1\]: tue 14:00-18:00 \(REVENUE\) is outside the opening hours" -- "$BIN" directory load "$tmp/badroster.json"
expect "digest prints the daily report"         0 "दैनिक रिपोर्ट"          -- env SAMPARK_DIGEST_DIR="$tmp/digests" "$BIN" digest
expect "flows check passes on the shipped flows" 0 "states, .* keywords: ok" -- "$BIN" flows check
expect "flows check checks the directory beside" 0 "district.json: 14 departments, [0-9]* keywords: ok" -- "$BIN" flows check
mkdir -p "$tmp/badflows" && sed 's/"goto": "complaint_description"/"goto": "complaint_descr"/' flows/grievance.json >"$tmp/badflows/grievance.json" && cp flows/messages.json "$tmp/badflows/"
"$BIN" flows check "$tmp/badflows" >"$tmp/out" 2>"$tmp/err"; st=$?
if [ "$st" -eq 1 ] && grep -q 'state "complaint_department": goto "complaint_descr" is not a state' "$tmp/out"; then ok "flows check names file, state and problem"; else bad "flows check on a broken flow (exit $st)"; fi
mkdir -p "$tmp/badkw" && cp flows/grievance.json flows/messages.json "$tmp/badkw/" && sed 's/"bijli",/"paani",/' flows/district.json >"$tmp/badkw/district.json"
"$BIN" flows check "$tmp/badkw" >"$tmp/out" 2>"$tmp/err"; st=$?
if [ "$st" -eq 1 ] && grep -q 'departments\[1\] (CSPDCL): "keywords"\[1\]: "paani" is also a keyword of departments\[0\] (PHE)' "$tmp/out"; then ok "flows check validates the directory's keywords beside the flows"; else bad "flows check on a shared keyword (exit $st)"; sed 's/^/     out: /' "$tmp/out"; fi
expect "serve refuses a broken flow set"      1 "complaint_descr"       -- env SAMPARK_FLOWS="$tmp/badflows" WA_APP_SECRET=x "$BIN" serve
# The message catalogue goes live with the flows: without it serve, chat and the scheduler refuse.
mkdir -p "$tmp/nomsgs" && cp flows/grievance.json "$tmp/nomsgs/"
expect "serve refuses without messages.json"  1 "nomsgs/messages.json"  -- env SAMPARK_FLOWS="$tmp/nomsgs" WA_APP_SECRET=x "$BIN" serve
expect "chat refuses without messages.json"   1 "nomsgs/messages.json"  -- env SAMPARK_FLOWS="$tmp/nomsgs" "$BIN" chat --as 919700000009

# sampark chat: a whole complaint typed at the terminal, same engine and database as serve (the
# shared test Redis keeps the day's complaint count across runs: no limit here; e2e_limits tests it).
printf '/reset\nnamaste\n2\n1\n1\nThe hand pump near the school is broken since Monday\n/photo pump\nKasdol ward 5\nyes\n2\n\n/quit\n' |
  env SAMPARK_LIMIT_COMPLAINTS_DAY=0 "$BIN" chat --as 919700000001 >"$tmp/chat" 2>&1
if grep -q 'Tracking number: \*BLB-[0-9]\{4\}-[0-9]\{6\}\*' "$tmp/chat" && grep -q '1. Yes, submit' "$tmp/chat"; then
  ok "chat files a complaint end to end"
else
  bad "chat complaint"; sed 's/^/     chat: /' "$tmp/chat" | tail -15
fi
n=$(psql "$url" -tAc "SELECT count(*) FROM cases WHERE citizen_phone = '919700000001' AND department_code = 'PHE'")
[ "$n" = 1 ] && ok "the chat's complaint is a case in PostgreSQL" || bad "case rows: $n"
n=$(psql "$url" -tAc "SELECT count(*) FROM outbound_messages WHERE recipient = '919700000001'")
[ "$n" = 0 ] && ok "chat sends nothing to WhatsApp" || bad "chat wrote $n outbox rows"
# SIGHUP: a broken flow set is refused and the running one kept; a good one replaces it.
mkdir -p "$tmp/liveflows" && cp flows/grievance.json flows/messages.json "$tmp/liveflows/"
port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SAMPARK_FLOWS="$tmp/liveflows" SAMPARK_LISTEN=127.0.0.1:$port2 WA_APP_SECRET=test "$BIN" serve >"$tmp/hup.log" 2>&1 & hpid=$!
pids+=("$hpid")
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$port2/healthz" >/dev/null && break; sleep 0.1; done
echo '{"flow": "broken", "states": {' >"$tmp/liveflows/zz.json"
kill -HUP "$hpid"
for _ in $(seq 1 50); do grep -q "not reloaded" "$tmp/hup.log" && break; sleep 0.1; done
grep -q "flows not reloaded, keeping the running set: .*zz.json" "$tmp/hup.log" && ok "SIGHUP keeps the running flows when the new set is broken" || bad "SIGHUP with broken flows: $(tail -2 "$tmp/hup.log")"
rm "$tmp/liveflows/zz.json"
kill -HUP "$hpid"
for _ in $(seq 1 50); do grep -q "flows reloaded" "$tmp/hup.log" && break; sleep 0.1; done
grep -q "flows reloaded (32 states)" "$tmp/hup.log" && ok "SIGHUP reloads a good flow set" || bad "SIGHUP reload: $(tail -2 "$tmp/hup.log")"
kill -TERM "$hpid"; wait "$hpid"
pids=()
expect "chat --as checks the number"          1 "--as 'abc'"            -- "$BIN" chat --as abc

# serve: /healthz on a free port, a busy port, Redis down, SIGTERM.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SAMPARK_LISTEN=127.0.0.1:$port WA_APP_SECRET=test "$BIN" serve >"$tmp/serve.log" 2>&1 & spid=$!
pids+=("$spid")
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
code=$(curl -s -o "$tmp/h" -w '%{http_code}' "http://127.0.0.1:$port/healthz")
if [ "$code" = 200 ] && grep -q 'redis: ok' "$tmp/h" && grep -q 'postgresql: ok' "$tmp/h"; then ok "healthz 200 with both up"; else bad "healthz ($code: $(cat "$tmp/h"))"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")
[ "$code" = 404 ] && ok "unknown path is 404" || bad "unknown path ($code)"
expect "busy port gets a clear message"       2 "address already in use|Address already in use" -- env SAMPARK_LISTEN=127.0.0.1:$port WA_APP_SECRET=test "$BIN" serve
kill -TERM "$spid"; wait "$spid"; st=$?
pids=()
[ "$st" -eq 0 ] && ok "SIGTERM stops serve cleanly" || bad "SIGTERM exit status $st"

SAMPARK_LISTEN=127.0.0.1:$port WA_APP_SECRET=test REDIS_URL=redis://127.0.0.1:1/0 "$BIN" serve >"$tmp/serve2.log" 2>&1 & spid=$!
pids+=("$spid")
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
code=$(curl -s -o "$tmp/h" -w '%{http_code}' "http://127.0.0.1:$port/healthz")
if [ "$code" = 503 ] && grep -q 'redis: Redis' "$tmp/h"; then ok "healthz 503 when Redis is down"; else bad "healthz with Redis down ($code)"; fi
kill -TERM "$spid"; wait "$spid"
pids=()

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
