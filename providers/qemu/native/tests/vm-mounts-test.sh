#!/usr/bin/env bash
# Black-box tests of peapod-vm-mounts (run as root): the binary is run as QEMU's launch chain runs
# it, with setpriv after it dropping to a VM user, and what that user can then do is checked on
# the host. Usage: vm-mounts-test.sh /path/to/peapod-vm-mounts
set -euo pipefail
bin="$1"
[[ $(id -u) == 0 ]] || { echo "vm-mounts-test: must run as root (it mounts)" >&2; exit 1; }
vm=2000070001          # a VM uid (and gid) no real user has
owner=3000070002       # the tree's owner on disk
other=3000070003       # someone else, whose files are reached through "other" bits only
work=$(mktemp -d /tmp/vm-mounts-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1" >&2; fails=$((fails + 1)); }

as_vm() { # SHARE-ARGS... -- COMMAND: the chain prlimit/sh would run, then COMMAND as the VM user
  "$bin" "$vm:$vm" "$@"
}
drop=(setpriv "--reuid=$vm" "--regid=$vm" --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --)

mkdir -p "$work/tree/sub" "$work/mnt" "$work/mnt2"
chmod 0711 "$work"
echo mine > "$work/tree/own"; chmod 0600 "$work/tree/own"
echo theirs > "$work/tree/theirs"; chmod 0600 "$work/tree/theirs"
echo public > "$work/tree/public"; chmod 0644 "$work/tree/public"
echo secret > "$work/beside"; chmod 0600 "$work/beside"
chown -R "$owner:$owner" "$work/tree" "$work/beside"
chown "$other:$other" "$work/tree/theirs" "$work/tree/public"
chmod 0700 "$work/tree"

# 1. The VM user acts on the tree as its owner: reads the owner's 0600 file, writes a new one,
#    which is the owner's on disk.
out=$(as_vm --rw "$work/tree" "$work/mnt" -- "${drop[@]}" sh -c \
  "cat $work/mnt/own && echo new > $work/mnt/sub/made && mkdir $work/mnt/dir && stat -c %u $work/mnt/own" 2>&1) \
  && [[ "$out" == $'mine\n'"$vm" ]] && ok "the tree's owner's files are the VM user's" || bad "read/write as the owner: $out"
[[ $(stat -c %u:%g "$work/tree/sub/made") == "$owner:$owner" && $(stat -c %u:%g "$work/tree/dir") == "$owner:$owner" ]] \
  && ok "what the VM user creates is the tree owner's on disk" || bad "owner on disk: $(stat -c %u:%g "$work/tree/sub/made")"

# 2. Another owner's files: through their "other" bits only.
out=$(as_vm --rw "$work/tree" "$work/mnt" -- "${drop[@]}" sh -c "cat $work/mnt/public; cat $work/mnt/theirs" 2>&1) \
  && bad "another owner's 0600 file read: $out" || { [[ "$out" == public* && "$out" == *"ermission denied"* ]] \
  && ok "another owner's files by their other bits only" || bad "other owner: $out"; }

# 3. Nothing outside the tree: not the owner's file beside it, not a write beside it.
out=$(as_vm --rw "$work/tree" "$work/mnt" -- "${drop[@]}" sh -c "cat $work/beside" 2>&1) \
  && bad "a file beside the tree read: $out" || ok "the owner's file beside the tree is out of reach"
out=$(as_vm --rw "$work/tree" "$work/mnt" -- "${drop[@]}" sh -c "echo x > $work/planted" 2>&1) \
  && bad "a file planted beside the tree" || ok "no write beside the tree"
[[ -e "$work/planted" ]] && bad "$work/planted exists"

# 4. --ro: nothing written, even by the owner.
out=$(as_vm --ro "$work/tree" "$work/mnt" -- "${drop[@]}" sh -c "cat $work/mnt/own; echo x > $work/mnt/own" 2>&1) \
  && bad "a read-only share written: $out" || { [[ "$out" == *"Read-only file system"* && $(cat "$work/tree/own") == mine ]] \
  && ok "--ro is read-only" || bad "--ro: $out"; }

# 5. nosuid: a setuid file of the owner runs with no new privileges from the mount; and the
#    mounts are QEMU's alone: the host's namespace has none of them.
as_vm --rw "$work/tree" "$work/mnt" -- true
grep -q " $work/mnt " /proc/self/mountinfo && bad "the mount leaked into the host's namespace" \
  || ok "the mount is in the helper's namespace only"
opts=$(as_vm --rw "$work/tree" "$work/mnt" -- sh -c "grep ' $work/mnt ' /proc/self/mountinfo")
[[ "$opts" == *nosuid* && "$opts" == *nodev* && "$opts" == *noexec* && "$opts" == *idmapped* ]] \
  && ok "nosuid, nodev, noexec, idmapped" || bad "mount options: $opts"

# 5b. No setuid or setgid bit from anything the helper runs, though the VM user owns the files: not by
#     chmod, not in a new file's mode (the tree's on-disk owner could be root); other modes as asked;
#     openat2 and io_uring absent (ENOSYS: their modes the filter cannot see).
out=$(as_vm --rw "$work/tree" "$work/mnt" -- "${drop[@]}" sh -c \
  "chmod u+s $work/mnt/own; chmod g+s $work/mnt/own; chmod 0640 $work/mnt/own && stat -c %a $work/mnt/own" 2>&1) || true
[[ "$out" == *"Operation not permitted"*"Operation not permitted"*640 ]] && [[ $(stat -c %a "$work/tree/own") == 640 ]] \
  && ok "chmod u+s and g+s refused, chmod 0640 done" || bad "chmod: $out $(stat -c %a "$work/tree/own")"
out=$(as_vm --rw "$work/tree" "$work/mnt" -- "${drop[@]}" perl -e \
  'use Fcntl; sysopen(F, $ARGV[0], O_CREAT|O_WRONLY, 04755) and die "created\n"; print $!+0, " ";
   sysopen(F, $ARGV[1], O_CREAT|O_WRONLY, 0755) or die "$!\n"; print syscall(437, -100, $ARGV[1], 0, 0), " ", $!+0, " ";
   print syscall(425, 8, 0), " ", $!+0' "$work/mnt/suid" "$work/mnt/plain" 2>&1) || true
[[ "$out" == "1 -1 38 -1 38" && ! -e "$work/tree/suid" && -f "$work/tree/plain" ]] \
  && ok "open with a setuid mode refused, openat2 and io_uring ENOSYS" || bad "open/openat2/io_uring: $out"

# 5c. No user namespace: in one, the tree's owner could set a file capability (security.capability), a setuid
#     bit by another name. unshare and clone with CLONE_NEWUSER and setns EPERM, clone3 ENOSYS; a
#     thread (clone without it) and a plain child are still made.
out=$(as_vm --rw "$work/tree" "$work/mnt" -- "${drop[@]}" perl -e \
  'print syscall(272, 0x10000000), " ", $!+0, " "; print syscall(308, 0, 0), " ", $!+0, " ";
   print syscall(435, 0, 0), " ", $!+0, " "; my $p = fork(); if ($p == 0) { exit 3 } waitpid($p, 0); print $? >> 8' 2>&1) || true
[[ "$out" == "-1 1 -1 1 -1 38 3" ]] && ok "no user namespace (unshare, setns refused, clone3 ENOSYS), fork works" \
  || bad "user namespace: $out"
out=$(as_vm --rw "$work/tree" "$work/mnt" -- "${drop[@]}" unshare -U true 2>&1) && bad "unshare -U ran: $out" \
  || ok "unshare -U refused"

# 6. Two shares of two owners, each its own map.
mkdir -p "$work/tree2"; echo two > "$work/tree2/f"; chmod 0600 "$work/tree2/f"; chmod 0700 "$work/tree2"
chown -R "$other:$other" "$work/tree2"
out=$(as_vm --rw "$work/tree" "$work/mnt" --ro "$work/tree2" "$work/mnt2" -- "${drop[@]}" \
  sh -c "cat $work/mnt/own $work/mnt2/f" 2>&1) && [[ "$out" == $'mine\ntwo' ]] \
  && ok "two shares, each owner mapped to the VM user" || bad "two shares: $out"

# 7. Refusals, with status 125 and a line naming the share; nothing runs.
expect_refusal() { # WHAT PATTERN ARGS...
  local what="$1" pattern="$2"; shift 2
  local out code=0
  out=$("$bin" "$@" -- touch "$work/ran" 2>&1) || code=$?
  if [[ $code == 125 && "$out" == *"$pattern"* && ! -e "$work/ran" ]]; then ok "$what"; else bad "$what: $code $out"; fi
}
expect_refusal "a filesystem without idmapped mounts" "does not support idmapped mounts" "$vm:$vm" --rw /proc "$work/mnt"
expect_refusal "a source that is no directory" "ot a directory" "$vm:$vm" --rw "$work/beside" "$work/mnt"
expect_refusal "a missing source" "cannot open it" "$vm:$vm" --rw "$work/missing" "$work/mnt"
# A container with a writable tree replaced a directory another share names by a symlink to a tree
# of root's: the symlink is not followed, wherever it is on the path.
mkdir -p "$work/roots/etc"; echo root-secret > "$work/roots/etc/shadow"; chmod 0600 "$work/roots/etc/shadow"
ln -s "$work/roots/etc" "$work/tree/sub2"
expect_refusal "a symlink as the source" "a symlink is on its path now" "$vm:$vm" --ro "$work/tree/sub2" "$work/mnt"
ln -s "$work/roots" "$work/tree/up"
expect_refusal "a symlink on the source's path" "a symlink is on its path now" "$vm:$vm" --ro "$work/tree/up/etc" "$work/mnt"
ln -s "$work/mnt" "$work/link"
expect_refusal "a mount point that is a symlink" "cannot open the mount point" "$vm:$vm" --rw "$work/tree" "$work/link"
expect_refusal "root as the VM user" "must not be root" "0:0" --rw "$work/tree" "$work/mnt"
expect_refusal "a malformed user" "is not UID:GID" "12x:3" --rw "$work/tree" "$work/mnt"
expect_refusal "a malformed share" "usage" "$vm:$vm" --rx "$work/tree" "$work/mnt"

# 8. No share at all: just runs the command (exit status passed through).
code=0; "$bin" "$vm:$vm" -- sh -c 'exit 7' || code=$?
[[ $code == 7 ]] && ok "runs the command, its status passed through" || bad "status $code"

[[ $fails == 0 ]] && echo "vm-mounts-test: all passed" || { echo "vm-mounts-test: $fails failed" >&2; exit 1; }
