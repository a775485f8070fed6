// The target's only function is inline in include/CKehuSIMD.h; SwiftPM needs a source file.
#include "CKehuSIMD.h"
