// Debian installs maxminddb.h in the multiarch include folder
// (/usr/include/x86_64-linux-gnu), which is on the default search path.
#include <maxminddb.h>
