#include "sd_proto.h"
