/* hnsctl trace show FILE [--packet ID]: the hops of a trace file written
 * by vswitchd (pcap/trace.h), read locally with pcap/pcapng_reader.h.
 * Layer: hns-api/hnsctl/, hnsctl, the CLI (a REST client). */
#ifndef HVS_HNSCTL_TRACE_SHOW_H
#define HVS_HNSCTL_TRACE_SHOW_H

/* argv[0] is the subcommand's name ("show"); the rest: FILE and
 * --packet ID (or --packet=ID), in any order; -h/--help prints usage.
 * Prints every hop grouped by packet id (ids in rising order, hops of a
 * packet in file order), one line per hop:
 *   packet 3  12:00:01.000123456  [uplink] in   NBL received from ...
 * Returns 0, 1 if --packet names a packet the file does not have, or 2
 * on a usage error or an unreadable file (message on stderr). */
int hnsctl_trace_show(int argc, char **argv);

#endif
