#include "kernel/arch/cpu_features.h"
#include "kernel/arch/cpu.h"

/* SDM vol.3 §2.5 control registers; §13.1.3 for what an OS sets before user code may use SSE. */
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_WP (1ull << 16)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_NXE (1ull << 11)

void cpu_features_init(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_WP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}
