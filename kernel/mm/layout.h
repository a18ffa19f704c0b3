/* The layout moved to kernel/arch/layout.h (the boot code builds it); this name stays for existing includes. */
#pragma once

#include "kernel/arch/layout.h"
