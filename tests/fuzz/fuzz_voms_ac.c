/*
 * fuzz_voms_ac.c: libFuzzer harness for the VOMS AC extension decoder
 * (voms_ac_parse_der), with the FQAN and expiry accessors on success.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "voms_ac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct voms_ac_list list;
	struct pr_error err;

	if (voms_ac_parse_der(data, size, &list, &err) == 0) {
		free(voms_ac_fqans(&list));
		(void)voms_ac_not_after(&list);
		voms_ac_list_free(&list);
	}
	return 0;
}
