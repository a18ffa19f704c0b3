#include "kernel/arch/cpu_features.h"
#include "kernel/arch/cpu.h"

/* SDM vol.3 §13.1.3: what an OS sets before user code may use SSE. */
void cpu_features_init(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_WP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}
