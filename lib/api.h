/* api.h - private: what a struct netjail_rules (netjail.h) is.
 *
 * The object crosses from one copy of the engine to another: a program builds it with its own
 * libnetjail-rules (static or shared) and hands it to libnetjail.so's netjail_scope_enter.
 * The two copies may come from different builds, so the shim reads only this header's
 * fields, checks magic and abi, and parses text again with its own engine: it never follows
 * the pointer to the other copy's internal rule set. */
#ifndef NJ_API_H
#define NJ_API_H

#include <stddef.h>
#include <stdint.h>

#include "lib/netjail.h"
#include "engine/engine.h"

#define NJ_API_MAGIC 0x6e6a7275u /* "njru" */

struct netjail_rules {
	uint32_t magic; /* NJ_API_MAGIC */
	uint32_t abi; /* NETJAIL_ABI */
	const char *text; /* the rules as given, NUL-terminated; for a compiled
					 * file, each rule normalised on the line it came
					 * from (it re-parses to the same rule set) */
	size_t len; /* strlen(text) */
	const char *name; /* for messages */
	struct nj_rules *rules; /* this copy's parse of text; only this copy uses it */
};

#endif
