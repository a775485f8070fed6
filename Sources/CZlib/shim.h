// zlib from the system (Debian: zlib1g-dev; macOS: the SDK), for gzip request bodies.
#include <zlib.h>
