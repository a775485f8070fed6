// The target's only function is inline in include/CKehuPrefetch.h; SwiftPM needs a source file.
#include "CKehuPrefetch.h"
