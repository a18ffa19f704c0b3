#pragma once

/* Per CPU: FXSAVE/SSE for user code (the kernel itself uses no SSE), write protection, NX. */
void cpu_features_init(void);
