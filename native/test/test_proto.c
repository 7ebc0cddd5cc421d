#include "sd_proto.h"
#include <stdio.h>
int main(void) { printf("header size %d\n", SD_HEADER_SIZE); return SD_HEADER_SIZE == 48 ? 0 : 1; }
