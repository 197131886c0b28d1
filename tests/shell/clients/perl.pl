#!/usr/bin/perl
# perl.pl tcp|udp|udp-sendto HOST PORT - perl's own clients, for tests/shell/clients.sh:
# IO::Socket::INET for TCP and for a connected UDP socket, plain send() with a destination
# (sendto) for udp-sendto.  Prints "ok" and exits 0, or perl's error and exits 1.
use strict;
use warnings;
use IO::Socket::INET;
use Socket qw(inet_aton sockaddr_in);

my ($mode, $host, $port) = @ARGV;
if ($mode eq 'tcp' || $mode eq 'udp') {
	my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => $mode,
	    Timeout => 5) or die "perl: $@\n";
	if ($mode eq 'udp') {
		defined $s->send("x") or die "perl: send: $!\n";
	}
	close $s;
} elsif ($mode eq 'udp-sendto') {
	my $s = IO::Socket::INET->new(Proto => 'udp') or die "perl: socket: $@\n";
	defined send($s, "x", 0, sockaddr_in($port, inet_aton($host))) or die "perl: send: $!\n";
} else {
	die "perl.pl: unknown mode $mode\n";
}
print "ok\n";
