# snmpd pass_persist program of the demo (scripts/demo.sh). It speaks snmpd's line protocol
# (PING, get, getnext; set is refused) for the subtree -v prefix=OID and answers from the
# lines of -v file=... under that subtree: "OID TYPE VALUE" lines in OID order (lines starting
# with # are comments). The file is read again on every request, so an edit shows on the next
# poll. -v delay=SECONDS waits that long before each answer (a slow agent, for tests).
function cmp(a, b,    x, y, n, m, i) {
  n = split(a, x, "."); m = split(b, y, ".")
  for (i = 1; i <= n && i <= m; i++) {
    if (x[i] + 0 < y[i] + 0) return -1
    if (x[i] + 0 > y[i] + 0) return 1
  }
  return n < m ? -1 : (n > m ? 1 : 0)
}
function answer(mode, req,    line, f, c, value, found) {
  sub(/^\./, "", req)
  found = 0
  while ((getline line < file) > 0) {
    if (line ~ /^[ \t]*(#|$)/) continue
    split(line, f, " ")
    if (index(f[1] ".", prefix ".") != 1) continue
    c = cmp(f[1], req)
    if ((mode == "get" && c == 0) || (mode == "getnext" && c > 0)) {
      value = line
      sub(/^[^ ]+ [^ ]+ /, "", value)
      print "." f[1]
      print f[2]
      print value
      found = 1
      break
    }
  }
  close(file)
  if (!found) print "NONE"
  fflush()
}
BEGIN { sub(/^\./, "", prefix) }
state == "" && $0 == "PING" { print "PONG"; fflush(); next }
state == "" && ($0 == "get" || $0 == "getnext") { state = $0; next }
state == "" && $0 == "set" { state = "set1"; next }
state == "set1" { state = "set2"; next }
state == "set2" { print "not-writable"; fflush(); state = ""; next }
state == "get" || state == "getnext" {
  if (delay + 0 > 0) system("sleep " delay)
  answer(state, $0)
  state = ""
  next
}
