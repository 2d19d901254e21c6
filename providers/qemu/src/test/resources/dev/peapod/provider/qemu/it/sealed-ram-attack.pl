# What a VM user's QEMU, taken over, could try on the template RAM it maps: the sealed memfd on fd 7
# (see TemplateRam). Run as that VM user. Prints one line per attempt, "refused WHAT: why" or
# "ALLOWED WHAT", then the seals; its arguments are paths it must open neither for reading nor writing.
use strict; use warnings;
my ($mmap, $mprotect, $fallocate) = (9, 10, 285); # x86-64
open(my $m, "<&=", 7) or die "fd 7: $!\n";
my $size = -s $m;
sub try { my ($what, $ok) = @_; print $ok ? "ALLOWED $what\n" : "refused $what: $!\n"; }
{ no warnings; try("write on fd 7", defined syswrite($m, "x")); }
# QEMU itself opens fd 7 again read-write to map it privately, which the seals allow: the descriptor
# that gives a taken-over QEMU the most.
open(my $rw, "+<", "/proc/self/fd/7") or die "reopening fd 7 read-write as QEMU does: $!\n";
try("write on fd 7 reopened read-write", sysseek($rw, 0, 0) && defined syswrite($rw, "x"));
try("ftruncate to shrink", truncate($rw, 4096));
try("ftruncate to grow", truncate($rw, $size + 4096));
try("fallocate punch hole", syscall($fallocate, fileno($rw), 3, 0, 1 << 20) == 0);
try("fallocate beyond the end", syscall($fallocate, fileno($rw), 0, $size, 4096) == 0);
try("mmap MAP_SHARED PROT_WRITE", syscall($mmap, 0, 4096, 3, 1, fileno($rw), 0) != -1);
my $ro = syscall($mmap, 0, 4096, 1, 1, fileno($rw), 0);
try("mprotect a MAP_SHARED read mapping to PROT_WRITE", $ro != -1 && syscall($mprotect, $ro, 4096, 3) == 0);
try("F_ADD_SEALS", fcntl($rw, 1033, 0));
try("fchmod", chmod(0777, $rw));
try("fchown", chown($<, $<, $rw));
for my $path (@ARGV) {
  try("open $path for reading", open(my $r, "<", $path));
  try("open $path for writing", open(my $w, "+<", $path));
}
my $seals = fcntl($rw, 1034, 0);
print "seals: ", (defined $seals ? $seals + 0 : "unknown ($!)"), "\n";
