#include "drop_reason.h"

static const char *const texts[DROP_REASON_COUNT] = {
#define DROP_REASON_TEXT(sym, text) [DROP_##sym] = text,
	FOREACH_DROP_REASON(DROP_REASON_TEXT)
#undef DROP_REASON_TEXT
};

const char *drop_reason_text(enum drop_reason reason)
{
	return (unsigned)reason < DROP_REASON_COUNT ? texts[reason] : "Unknown";
}
