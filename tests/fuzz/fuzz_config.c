/* libFuzzer target: the startup config parser (config.h) on any text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct switch_config *cfg = calloc(1, sizeof(*cfg));
	char *text = malloc(size + 1);
	char err[512];

	if (cfg == NULL || text == NULL) {
		free(cfg);
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_parse_text(text, cfg, err, sizeof(err)) == 0)
		config_release(cfg);
	free(text);
	free(cfg);
	return 0;
}
