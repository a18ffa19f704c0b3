/* Host tests for lib/common/x86_decode.c: byte sequences to lengths and
 * kinds in each mode (lengths as the GNU disassembler reports them), the
 * operands MMIO and port-I/O emulation need, and refused encodings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/x86_decode.c"

struct len_case {
	enum x86_cpu_mode mode;
	uint8_t bytes[X86_INSN_MAX_LEN];
	unsigned n;   /* bytes given: exactly the instruction, so no case reads past it */
	unsigned len;
	enum x86_insn_kind kind;
};

static const struct len_case len_cases[] = {
	{ X86_MODE_64, { 0xe4, 0x60 }, 2, 2, X86_INSN_IN }, /* in     $0x60,%al */
	{ X86_MODE_64, { 0xe5, 0x71 }, 2, 2, X86_INSN_IN }, /* in     $0x71,%eax */
	{ X86_MODE_64, { 0x66, 0xe5, 0x71 }, 3, 3, X86_INSN_IN }, /* in     $0x71,%ax */
	{ X86_MODE_64, { 0xec }, 1, 1, X86_INSN_IN }, /* in     (%dx),%al */
	{ X86_MODE_64, { 0xed }, 1, 1, X86_INSN_IN }, /* in     (%dx),%eax */
	{ X86_MODE_64, { 0x66, 0xed }, 2, 2, X86_INSN_IN }, /* in     (%dx),%ax */
	{ X86_MODE_64, { 0xe6, 0x80 }, 2, 2, X86_INSN_OUT }, /* out    %al,$0x80 */
	{ X86_MODE_64, { 0xee }, 1, 1, X86_INSN_OUT }, /* out    %al,(%dx) */
	{ X86_MODE_64, { 0x66, 0xef }, 2, 2, X86_INSN_OUT }, /* out    %ax,(%dx) */
	{ X86_MODE_64, { 0xef }, 1, 1, X86_INSN_OUT }, /* out    %eax,(%dx) */
	{ X86_MODE_64, { 0xf3, 0x6c }, 2, 2, X86_INSN_INS }, /* rep insb (%dx),%es:(%rdi) */
	{ X86_MODE_64, { 0xf3, 0x66, 0x6d }, 3, 3, X86_INSN_INS }, /* rep insw (%dx),%es:(%rdi) */
	{ X86_MODE_64, { 0xf3, 0x6e }, 2, 2, X86_INSN_OUTS }, /* rep outsb %ds:(%rsi),(%dx) */
	{ X86_MODE_64, { 0xf3, 0x6f }, 2, 2, X86_INSN_OUTS }, /* rep outsl %ds:(%rsi),(%dx) */
	{ X86_MODE_64, { 0x48, 0xef }, 2, 2, X86_INSN_OUT }, /* rex.W out %eax,(%dx) */
	{ X86_MODE_64, { 0x0f, 0x20, 0xc0 }, 3, 3, X86_INSN_MOV_FROM_CR }, /* mov    %cr0,%rax */
	{ X86_MODE_64, { 0x0f, 0x20, 0xd8 }, 3, 3, X86_INSN_MOV_FROM_CR }, /* mov    %cr3,%rax */
	{ X86_MODE_64, { 0x0f, 0x22, 0xd8 }, 3, 3, X86_INSN_MOV_TO_CR }, /* mov    %rax,%cr3 */
	{ X86_MODE_64, { 0x44, 0x0f, 0x22, 0xc0 }, 4, 4, X86_INSN_MOV_TO_CR }, /* mov    %rax,%cr8 */
	{ X86_MODE_64, { 0x41, 0x0f, 0x22, 0xe7 }, 4, 4, X86_INSN_MOV_TO_CR }, /* mov    %r15,%cr4 */
	{ X86_MODE_64, { 0x0f, 0x21, 0xf8 }, 3, 3, X86_INSN_MOV_FROM_DR }, /* mov    %db7,%rax */
	{ X86_MODE_64, { 0x0f, 0x23, 0xc7 }, 3, 3, X86_INSN_MOV_TO_DR }, /* mov    %rdi,%db0 */
	{ X86_MODE_64, { 0xf0, 0x0f, 0x22, 0xc0 }, 4, 4, X86_INSN_MOV_TO_CR }, /* lock mov %rax,%cr0 */
	{ X86_MODE_64, { 0x0f, 0xa2 }, 2, 2, X86_INSN_CPUID }, /* cpuid */
	{ X86_MODE_64, { 0x0f, 0x32 }, 2, 2, X86_INSN_RDMSR }, /* rdmsr */
	{ X86_MODE_64, { 0x0f, 0x30 }, 2, 2, X86_INSN_WRMSR }, /* wrmsr */
	{ X86_MODE_64, { 0x0f, 0x31 }, 2, 2, X86_INSN_RDTSC }, /* rdtsc */
	{ X86_MODE_64, { 0x0f, 0x01, 0xf9 }, 3, 3, X86_INSN_RDTSCP }, /* rdtscp */
	{ X86_MODE_64, { 0xf4 }, 1, 1, X86_INSN_HLT }, /* hlt */
	{ X86_MODE_64, { 0x0f, 0x01, 0x38 }, 3, 3, X86_INSN_INVLPG }, /* invlpg (%rax) */
	{ X86_MODE_64, { 0x0f, 0x01, 0x7d, 0x08 }, 4, 4, X86_INSN_INVLPG }, /* invlpg 0x8(%rbp) */
	{ X86_MODE_64, { 0x0f, 0x01, 0xd9 }, 3, 3, X86_INSN_VMMCALL }, /* vmmcall */
	{ X86_MODE_64, { 0x0f, 0x01, 0xdf }, 3, 3, X86_INSN_INVLPGA }, /* invlpga */
	{ X86_MODE_64, { 0x0f, 0x01, 0xd8 }, 3, 3, X86_INSN_VMRUN }, /* vmrun */
	{ X86_MODE_64, { 0x89, 0x07 }, 2, 2, X86_INSN_MOV_STORE }, /* mov    %eax,(%rdi) */
	{ X86_MODE_64, { 0x8b, 0x47, 0x20 }, 3, 3, X86_INSN_MOV_LOAD }, /* mov    0x20(%rdi),%eax */
	{ X86_MODE_64, { 0x8b, 0x87, 0xf0, 0x00, 0x00, 0x00 }, 6, 6, X86_INSN_MOV_LOAD }, /* mov    0xf0(%rdi),%eax */
	{ X86_MODE_64, { 0x89, 0x04, 0x25, 0x00, 0xb0, 0xfe, 0xff }, 7, 7, X86_INSN_MOV_STORE }, /* mov    %eax,0xfffffffffffeb000 */
	{ X86_MODE_64, { 0x44, 0x89, 0x44, 0x24, 0x08 }, 5, 5, X86_INSN_MOV_STORE }, /* mov    %r8d,0x8(%rsp) */
	{ X86_MODE_64, { 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00 }, 7, 7, X86_INSN_MOV_LOAD }, /* mov    0x10(%rip),%rax        # 0x17 */
	{ X86_MODE_64, { 0xc7, 0x07, 0x00, 0x00, 0x00, 0x00 }, 6, 6, X86_INSN_MOV_STORE_IMM }, /* movl   $0x0,(%rdi) */
	{ X86_MODE_64, { 0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 }, 10, 10, X86_INSN_MOV_STORE_IMM }, /* movl   $0x1,0xb0(%rax) */
	{ X86_MODE_64, { 0x48, 0xc7, 0x40, 0x08, 0xff, 0xff, 0xff, 0xff }, 8, 8, X86_INSN_MOV_STORE_IMM }, /* movq   $0xffffffffffffffff,0x8(%rax) */
	{ X86_MODE_64, { 0x66, 0xc7, 0x07, 0x34, 0x12 }, 5, 5, X86_INSN_MOV_STORE_IMM }, /* movw   $0x1234,(%rdi) */
	{ X86_MODE_64, { 0xc6, 0x47, 0x01, 0xab }, 4, 4, X86_INSN_MOV_STORE_IMM }, /* movb   $0xab,0x1(%rdi) */
	{ X86_MODE_64, { 0x0f, 0xb6, 0x07 }, 3, 3, X86_INSN_MOVZX }, /* movzbl (%rdi),%eax */
	{ X86_MODE_64, { 0x0f, 0xb7, 0x47, 0x02 }, 4, 4, X86_INSN_MOVZX }, /* movzwl 0x2(%rdi),%eax */
	{ X86_MODE_64, { 0x48, 0x0f, 0xbe, 0x07 }, 4, 4, X86_INSN_MOVSX }, /* movsbq (%rdi),%rax */
	{ X86_MODE_64, { 0x48, 0x63, 0x07 }, 3, 3, X86_INSN_MOVSX }, /* movslq (%rdi),%rax */
	{ X86_MODE_64, { 0x88, 0x27 }, 2, 2, X86_INSN_MOV_STORE }, /* mov    %ah,(%rdi) */
	{ X86_MODE_64, { 0x40, 0x88, 0x37 }, 3, 3, X86_INSN_MOV_STORE }, /* mov    %sil,(%rdi) */
	{ X86_MODE_64, { 0x8a, 0x24, 0x8d, 0x00, 0x10, 0x00, 0x00 }, 7, 7, X86_INSN_MOV_LOAD }, /* mov    0x1000(,%rcx,4),%ah */
	{ X86_MODE_64, { 0x66, 0x89, 0x02 }, 3, 3, X86_INSN_MOV_STORE }, /* mov    %ax,(%rdx) */
	{ X86_MODE_64, { 0xa1, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 9, 9, X86_INSN_MOV_LOAD }, /* movabs 0xfee00000,%eax */
	{ X86_MODE_64, { 0x67, 0xa1, 0x00, 0x00, 0xe0, 0xfe }, 6, 6, X86_INSN_MOV_LOAD }, /* addr32 mov 0xfee00000,%eax */
	{ X86_MODE_64, { 0x48, 0xa3, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, 10, 10, X86_INSN_MOV_STORE }, /* movabs %rax,0x1000 */
	{ X86_MODE_64, { 0xf3, 0xaa }, 2, 2, X86_INSN_STOS }, /* rep stos %al,%es:(%rdi) */
	{ X86_MODE_64, { 0xf3, 0x48, 0xab }, 3, 3, X86_INSN_STOS }, /* rep stos %rax,%es:(%rdi) */
	{ X86_MODE_64, { 0xaa }, 1, 1, X86_INSN_STOS }, /* stos   %al,%es:(%rdi) */
	{ X86_MODE_64, { 0xf3, 0xa5 }, 2, 2, X86_INSN_MOVS }, /* rep movsl %ds:(%rsi),%es:(%rdi) */
	{ X86_MODE_64, { 0xac }, 1, 1, X86_INSN_LODS }, /* lods   %ds:(%rsi),%al */
	{ X86_MODE_64, { 0xcc }, 1, 1, X86_INSN_INT3 }, /* int3 */
	{ X86_MODE_64, { 0xcd, 0x80 }, 2, 2, X86_INSN_INT }, /* int    $0x80 */
	{ X86_MODE_64, { 0xf3, 0x90 }, 2, 2, X86_INSN_PAUSE }, /* pause */
	{ X86_MODE_64, { 0x0f, 0x09 }, 2, 2, X86_INSN_WBINVD }, /* wbinvd */
	{ X86_MODE_64, { 0x0f, 0x08 }, 2, 2, X86_INSN_INVD }, /* invd */
	{ X86_MODE_64, { 0x0f, 0x01, 0x10 }, 3, 3, X86_INSN_LGDT }, /* lgdt   (%rax) */
	{ X86_MODE_64, { 0x0f, 0x01, 0x18 }, 3, 3, X86_INSN_LIDT }, /* lidt   (%rax) */
	{ X86_MODE_64, { 0x0f, 0x01, 0x00 }, 3, 3, X86_INSN_SGDT }, /* sgdt   (%rax) */
	{ X86_MODE_64, { 0x0f, 0x00, 0xd0 }, 3, 3, X86_INSN_LLDT }, /* lldt   %ax */
	{ X86_MODE_64, { 0x0f, 0x00, 0xd8 }, 3, 3, X86_INSN_LTR }, /* ltr    %ax */
	{ X86_MODE_64, { 0x0f, 0x01, 0xf0 }, 3, 3, X86_INSN_LMSW }, /* lmsw   %ax */
	{ X86_MODE_64, { 0x0f, 0x01, 0xe0 }, 3, 3, X86_INSN_SMSW }, /* smsw   %eax */
	{ X86_MODE_64, { 0x0f, 0x06 }, 2, 2, X86_INSN_CLTS }, /* clts */
	{ X86_MODE_64, { 0xcf }, 1, 1, X86_INSN_IRET }, /* iret */
	{ X86_MODE_64, { 0x48, 0xcf }, 2, 2, X86_INSN_IRET }, /* iretq */
	{ X86_MODE_64, { 0x9c }, 1, 1, X86_INSN_PUSHF }, /* pushf */
	{ X86_MODE_64, { 0x9d }, 1, 1, X86_INSN_POPF }, /* popf */
	{ X86_MODE_64, { 0x0f, 0x01, 0xc8 }, 3, 3, X86_INSN_MONITOR }, /* monitor %rax,%ecx,%edx */
	{ X86_MODE_64, { 0x0f, 0x01, 0xc9 }, 3, 3, X86_INSN_MWAIT }, /* mwait  %eax,%ecx */
	{ X86_MODE_64, { 0x0f, 0x01, 0xd1 }, 3, 3, X86_INSN_XSETBV }, /* xsetbv */
	{ X86_MODE_64, { 0x0f, 0x33 }, 2, 2, X86_INSN_RDPMC }, /* rdpmc */
	{ X86_MODE_64, { 0xf1 }, 1, 1, X86_INSN_ICEBP }, /* int1 */
	{ X86_MODE_64, { 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 }, 10, 10, X86_INSN_OTHER }, /* movabs $0x1122334455667788,%rax */
	{ X86_MODE_64, { 0xb8, 0x01, 0x00, 0x00, 0x00 }, 5, 5, X86_INSN_OTHER }, /* mov    $0x1,%eax */
	{ X86_MODE_64, { 0xe8, 0x00, 0x00, 0x00, 0x00 }, 5, 5, X86_INSN_OTHER }, /* call   0x5 */
	{ X86_MODE_64, { 0x0f, 0x84, 0x00, 0x01, 0x00, 0x00 }, 6, 6, X86_INSN_OTHER }, /* je     0x106 */
	{ X86_MODE_64, { 0x81, 0x7c, 0x24, 0x08, 0x00, 0x01, 0x00, 0x00 }, 8, 8, X86_INSN_OTHER }, /* cmpl   $0x100,0x8(%rsp) */
	{ X86_MODE_64, { 0xf7, 0x04, 0x24, 0x01, 0x00, 0x00, 0x00 }, 7, 7, X86_INSN_OTHER }, /* testl  $0x1,(%rsp) */
	{ X86_MODE_64, { 0xf6, 0x07, 0x01 }, 3, 3, X86_INSN_OTHER }, /* testb  $0x1,(%rdi) */
	{ X86_MODE_64, { 0xf7, 0xd0 }, 2, 2, X86_INSN_OTHER }, /* not    %eax */
	{ X86_MODE_64, { 0x0f, 0xba, 0xe0, 0x03 }, 4, 4, X86_INSN_OTHER }, /* bt     $0x3,%eax */
	{ X86_MODE_64, { 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08 }, 6, 6, X86_INSN_OTHER }, /* palignr $0x8,%xmm1,%xmm0 */
	{ X86_MODE_64, { 0x66, 0x0f, 0x38, 0x00, 0xc1 }, 5, 5, X86_INSN_OTHER }, /* pshufb %xmm1,%xmm0 */
	{ X86_MODE_64, { 0xc8, 0x10, 0x00, 0x01 }, 4, 4, X86_INSN_OTHER }, /* enter  $0x10,$0x1 */
	{ X86_MODE_64, { 0xc2, 0x08, 0x00 }, 3, 3, X86_INSN_OTHER }, /* ret    $0x8 */
	{ X86_MODE_64, { 0x2e, 0x8b, 0x04, 0x24 }, 4, 4, X86_INSN_MOV_LOAD }, /* cs mov (%rsp),%eax */
	{ X86_MODE_64, { 0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00 }, 9, 9, X86_INSN_MOV_LOAD }, /* mov    %gs:0x28,%rax */
	{ X86_MODE_64, { 0x8b, 0x04, 0x24 }, 3, 3, X86_INSN_MOV_LOAD }, /* mov    (%rsp),%eax */
	{ X86_MODE_64, { 0x8b, 0x45, 0x00 }, 3, 3, X86_INSN_MOV_LOAD }, /* mov    0x0(%rbp),%eax */
	{ X86_MODE_64, { 0x8b, 0x44, 0x8b, 0x10 }, 4, 4, X86_INSN_MOV_LOAD }, /* mov    0x10(%rbx,%rcx,4),%eax */
	{ X86_MODE_64, { 0x42, 0x8b, 0x04, 0xa0 }, 4, 4, X86_INSN_MOV_LOAD }, /* mov    (%rax,%r12,4),%eax */
	{ X86_MODE_64, { 0x41, 0x8b, 0x04, 0x24 }, 4, 4, X86_INSN_MOV_LOAD }, /* mov    (%r12),%eax */
	{ X86_MODE_64, { 0x8b, 0x04, 0x65, 0x00, 0x10, 0x00, 0x00 }, 7, 7, X86_INSN_MOV_LOAD }, /* mov    0x1000(,%riz,2),%eax */
	{ X86_MODE_32, { 0xe4, 0x60 }, 2, 2, X86_INSN_IN }, /* in     $0x60,%al */
	{ X86_MODE_32, { 0x66, 0xed }, 2, 2, X86_INSN_IN }, /* in     (%dx),%ax */
	{ X86_MODE_32, { 0xed }, 1, 1, X86_INSN_IN }, /* in     (%dx),%eax */
	{ X86_MODE_32, { 0x0f, 0x20, 0xc0 }, 3, 3, X86_INSN_MOV_FROM_CR }, /* mov    %cr0,%eax */
	{ X86_MODE_32, { 0x0f, 0x22, 0xe0 }, 3, 3, X86_INSN_MOV_TO_CR }, /* mov    %eax,%cr4 */
	{ X86_MODE_32, { 0x89, 0x07 }, 2, 2, X86_INSN_MOV_STORE }, /* mov    %eax,(%edi) */
	{ X86_MODE_32, { 0x8b, 0x05, 0x00, 0x00, 0xe0, 0xfe }, 6, 6, X86_INSN_MOV_LOAD }, /* mov    0xfee00000,%eax */
	{ X86_MODE_32, { 0xa1, 0x00, 0x00, 0xe0, 0xfe }, 5, 5, X86_INSN_MOV_LOAD }, /* mov    0xfee00000,%eax */
	{ X86_MODE_32, { 0x66, 0xa1, 0x00, 0x00, 0xe0, 0xfe }, 6, 6, X86_INSN_MOV_LOAD }, /* mov    0xfee00000,%ax */
	{ X86_MODE_32, { 0x67, 0x8b, 0x07 }, 3, 3, X86_INSN_MOV_LOAD }, /* mov    (%bx),%eax */
	{ X86_MODE_32, { 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 10, 10, X86_INSN_MOV_STORE_IMM }, /* movl   $0x0,0xfee000b0 */
	{ X86_MODE_32, { 0x0f, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00 }, 7, 7, X86_INSN_LGDT }, /* lgdtl  0x1000 */
	{ X86_MODE_32, { 0xea, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00 }, 7, 7, X86_INSN_OTHER }, /* ljmp   $0x8,$0x100000 */
	{ X86_MODE_32, { 0x9a, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00 }, 7, 7, X86_INSN_OTHER }, /* lcall  $0x8,$0x100000 */
	{ X86_MODE_32, { 0x66, 0xea, 0x00, 0x10, 0x08, 0x00 }, 6, 6, X86_INSN_OTHER }, /* ljmpw  $0x8,$0x1000 */
	{ X86_MODE_32, { 0xc4, 0x07 }, 2, 2, X86_INSN_OTHER }, /* les    (%edi),%eax */
	{ X86_MODE_32, { 0x40 }, 1, 1, X86_INSN_OTHER }, /* inc    %eax */
	{ X86_MODE_32, { 0xb8, 0x01, 0x00, 0x00, 0x00 }, 5, 5, X86_INSN_OTHER }, /* mov    $0x1,%eax */
	{ X86_MODE_32, { 0x66, 0xb8, 0x01, 0x00 }, 4, 4, X86_INSN_OTHER }, /* mov    $0x1,%ax */
	{ X86_MODE_32, { 0x0f, 0x20, 0x00 }, 3, 3, X86_INSN_MOV_FROM_CR }, /* mov    %cr0,%eax */
	{ X86_MODE_32, { 0xf3, 0x66, 0x6f }, 3, 3, X86_INSN_OUTS }, /* rep outsw %ds:(%esi),(%dx) */
	{ X86_MODE_16, { 0xe4, 0x60 }, 2, 2, X86_INSN_IN }, /* in     $0x60,%al */
	{ X86_MODE_16, { 0xed }, 1, 1, X86_INSN_IN }, /* in     (%dx),%ax */
	{ X86_MODE_16, { 0x66, 0xed }, 2, 2, X86_INSN_IN }, /* in     (%dx),%eax */
	{ X86_MODE_16, { 0x8b, 0x07 }, 2, 2, X86_INSN_MOV_LOAD }, /* mov    (%bx),%ax */
	{ X86_MODE_16, { 0x8b, 0x46, 0x02 }, 3, 3, X86_INSN_MOV_LOAD }, /* mov    0x2(%bp),%ax */
	{ X86_MODE_16, { 0x8b, 0x86, 0x00, 0x10 }, 4, 4, X86_INSN_MOV_LOAD }, /* mov    0x1000(%bp),%ax */
	{ X86_MODE_16, { 0x8b, 0x06, 0x00, 0x10 }, 4, 4, X86_INSN_MOV_LOAD }, /* mov    0x1000,%ax */
	{ X86_MODE_16, { 0xa1, 0x00, 0x10 }, 3, 3, X86_INSN_MOV_LOAD }, /* mov    0x1000,%ax */
	{ X86_MODE_16, { 0x67, 0xa1, 0x00, 0x00, 0x10, 0x00 }, 6, 6, X86_INSN_MOV_LOAD }, /* addr32 mov 0x100000,%ax */
	{ X86_MODE_16, { 0x66, 0x8b, 0x04 }, 3, 3, X86_INSN_MOV_LOAD }, /* mov    (%si),%eax */
	{ X86_MODE_16, { 0x0f, 0x01, 0x16, 0x00, 0x10 }, 5, 5, X86_INSN_LGDT }, /* lgdtw  0x1000 */
	{ X86_MODE_16, { 0x66, 0x0f, 0x01, 0x16, 0x00, 0x10 }, 6, 6, X86_INSN_LGDT }, /* lgdtl  0x1000 */
	{ X86_MODE_16, { 0xea, 0x00, 0x10, 0x00, 0xf0 }, 5, 5, X86_INSN_OTHER }, /* ljmp   $0xf000,$0x1000 */
	{ X86_MODE_16, { 0x66, 0xea, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00 }, 8, 8, X86_INSN_OTHER }, /* ljmpl  $0x8,$0x10000 */
	{ X86_MODE_16, { 0xb8, 0x01, 0x00 }, 3, 3, X86_INSN_OTHER }, /* mov    $0x1,%ax */
	{ X86_MODE_16, { 0x66, 0xb8, 0x01, 0x00, 0x00, 0x00 }, 6, 6, X86_INSN_OTHER }, /* mov    $0x1,%eax */
	{ X86_MODE_16, { 0x0f, 0x22, 0xc0 }, 3, 3, X86_INSN_MOV_TO_CR }, /* mov    %eax,%cr0 */
	{ X86_MODE_16, { 0xc7, 0x06, 0x00, 0x10, 0x34, 0x12 }, 6, 6, X86_INSN_MOV_STORE_IMM }, /* movw   $0x1234,0x1000 */
	{ X86_MODE_16, { 0x67, 0x8b, 0x04, 0x24 }, 4, 4, X86_INSN_MOV_LOAD }, /* mov    (%esp),%ax */
};

static void test_lengths_and_kinds(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = &len_cases[i];
		struct x86_insn insn;
		int rc = x86_decode(c->bytes, c->n, c->mode, &insn);
		if (rc != 0 || insn.len != c->len || insn.kind != c->kind)
			fail_msg("case %zu (%02x %02x %02x): rc %d len %u kind %s", i, c->bytes[0],
				 c->bytes[1], c->bytes[2], rc, rc ? 0 : insn.len,
				 x86_insn_kind_name(insn.kind));
		/* One byte fewer is always a truncated instruction. */
		if (x86_decode(c->bytes, c->n - 1, c->mode, &insn) != X86_DECODE_TRUNCATED)
			fail_msg("case %zu: not truncated at %u bytes", i, c->n - 1);
	}
}

#include "tests/unit/stubs/x86_decode_bytes.h"

static void test_port_io(void **state)
{
	(void)state;
	struct x86_insn i = DECODE(X86_MODE_64, 0xe4, 0x60); /* in al, 0x60 */
	assert_int_equal(i.port, 0x60);
	assert_false(i.port_dx);
	assert_int_equal(i.opsize, 1);
	assert_int_equal(i.reg.reg, X86_RAX);

	i = DECODE(X86_MODE_64, 0xe6, 0x80); /* out 0x80, al: a port above 0x7f stays unsigned */
	assert_int_equal(i.kind, X86_INSN_OUT);
	assert_int_equal(i.port, 0x80);

	i = DECODE(X86_MODE_64, 0x66, 0xef); /* out dx, ax */
	assert_true(i.port_dx);
	assert_int_equal(i.opsize, 2);

	i = DECODE(X86_MODE_64, 0x48, 0xed); /* REX.W does not make I/O 64 bits wide */
	assert_int_equal(i.opsize, 4);

	i = DECODE(X86_MODE_16, 0xed); /* 16-bit code: in ax, dx */
	assert_int_equal(i.opsize, 2);
	i = DECODE(X86_MODE_16, 0x66, 0xed);
	assert_int_equal(i.opsize, 4);

	i = DECODE(X86_MODE_64, 0xf3, 0x66, 0x6d); /* rep insw */
	assert_int_equal(i.kind, X86_INSN_INS);
	assert_true(i.prefixes & X86_PFX_REP);
	assert_int_equal(i.opsize, 2);
	assert_true(i.has_mem);
	assert_int_equal(i.mem.base, X86_RDI);
	assert_int_equal(i.mem.seg, SEG_ES);

	i = DECODE(X86_MODE_32, 0xf3, 0x2e, 0x6e); /* rep outsb from cs:[esi] */
	assert_int_equal(i.kind, X86_INSN_OUTS);
	assert_int_equal(i.opsize, 1);
	assert_int_equal(i.mem.base, X86_RSI);
	assert_int_equal(i.mem.seg, SEG_CS);
	assert_int_equal(i.addrsize, 4);
}

static void test_control_registers(void **state)
{
	(void)state;
	struct x86_insn i = DECODE(X86_MODE_64, 0x41, 0x0f, 0x22, 0xe7); /* mov cr4, r15 */
	assert_int_equal(i.kind, X86_INSN_MOV_TO_CR);
	assert_int_equal(i.ctrl_reg, 4);
	assert_int_equal(i.rm.reg, X86_R15);
	assert_int_equal(i.opsize, 8);

	i = DECODE(X86_MODE_64, 0x44, 0x0f, 0x22, 0xc0); /* mov cr8, rax */
	assert_int_equal(i.ctrl_reg, 8);
	i = DECODE(X86_MODE_64, 0xf0, 0x0f, 0x20, 0xc1); /* lock mov rcx, cr0 = mov rcx, cr8 (AMD) */
	assert_int_equal(i.kind, X86_INSN_MOV_FROM_CR);
	assert_int_equal(i.ctrl_reg, 8);
	assert_int_equal(i.rm.reg, X86_RCX);

	i = DECODE(X86_MODE_32, 0x0f, 0x20, 0x1b); /* mod is ignored: mov ebx, cr3 */
	assert_int_equal(i.len, 3);
	assert_int_equal(i.ctrl_reg, 3);
	assert_int_equal(i.rm.reg, X86_RBX);
	assert_int_equal(i.opsize, 4);
	assert_false(i.has_mem);

	i = DECODE(X86_MODE_64, 0x0f, 0x21, 0xf8); /* mov rax, dr7 */
	assert_int_equal(i.kind, X86_INSN_MOV_FROM_DR);
	assert_int_equal(i.ctrl_reg, 7);
}

static void test_mmio_moves(void **state)
{
	(void)state;
	uint64_t regs[X86_GPR_COUNT] = { 0 };
	regs[X86_RDI] = 0xfee00000;
	regs[X86_RCX] = 0x10;
	regs[X86_RSP] = 0x7000;

	/* mov eax, [rdi+0xf0]: a LAPIC register read */
	struct x86_insn i = DECODE(X86_MODE_64, 0x8b, 0x87, 0xf0, 0x00, 0x00, 0x00);
	assert_int_equal(i.kind, X86_INSN_MOV_LOAD);
	assert_int_equal(i.opsize, 4);
	assert_int_equal(i.reg.reg, X86_RAX);
	assert_true(i.has_mem);
	assert_int_equal(i.mem.base, X86_RDI);
	assert_int_equal(i.mem.disp, 0xf0);
	assert_int_equal(x86_insn_mem_offset(&i, regs, 0), 0xfee000f0);

	/* mov [rsp+8], r8d: SS by default, REX.R */
	i = DECODE(X86_MODE_64, 0x44, 0x89, 0x44, 0x24, 0x08);
	assert_int_equal(i.kind, X86_INSN_MOV_STORE);
	assert_int_equal(i.reg.reg, X86_R8);
	assert_int_equal(i.mem.seg, SEG_SS);
	assert_int_equal(x86_insn_mem_offset(&i, regs, 0), 0x7008);

	/* mov ah, [rcx*4+0x1000]: no base, a high byte register */
	i = DECODE(X86_MODE_64, 0x8a, 0x24, 0x8d, 0x00, 0x10, 0x00, 0x00);
	assert_int_equal(i.opsize, 1);
	assert_int_equal(i.reg.reg, X86_RAX);
	assert_true(i.reg.high8);
	assert_int_equal(i.mem.base, X86_REG_NONE);
	assert_int_equal(i.mem.index, X86_RCX);
	assert_int_equal(i.mem.scale, 4);
	assert_int_equal(x86_insn_mem_offset(&i, regs, 0), 0x1040);

	/* mov [rdi], sil: with a REX, register 6 is SIL, not DH */
	i = DECODE(X86_MODE_64, 0x40, 0x88, 0x37);
	assert_int_equal(i.reg.reg, X86_RSI);
	assert_false(i.reg.high8);

	/* mov rax, [rip+0x10] */
	i = DECODE(X86_MODE_64, 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00);
	assert_int_equal(i.opsize, 8);
	assert_int_equal(i.mem.base, X86_RIP);
	assert_int_equal(x86_insn_mem_offset(&i, regs, 0x401007), 0x401017);

	/* mov dword [rax+0xb0], 1 */
	i = DECODE(X86_MODE_64, 0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00);
	assert_int_equal(i.kind, X86_INSN_MOV_STORE_IMM);
	assert_int_equal(i.imm, 1);
	assert_int_equal(i.opsize, 4);

	/* mov qword [rax+8], -1: imm32 sign-extended to 64 bits */
	i = DECODE(X86_MODE_64, 0x48, 0xc7, 0x40, 0x08, 0xff, 0xff, 0xff, 0xff);
	assert_int_equal(i.opsize, 8);
	assert_true(i.imm == ~0ull);

	/* mov word [rdi], 0x8234; mov byte [rdi+1], 0xab: the value is opsize wide */
	i = DECODE(X86_MODE_64, 0x66, 0xc7, 0x07, 0x34, 0x82);
	assert_int_equal(i.opsize, 2);
	assert_int_equal(i.imm, 0x8234);
	i = DECODE(X86_MODE_64, 0xc6, 0x47, 0x01, 0xab);
	assert_int_equal(i.opsize, 1);
	assert_int_equal(i.imm, 0xab);

	/* movzx eax, word [rdi+2]; movsx rax, byte [rdi]; movsxd rax, dword [rdi] */
	i = DECODE(X86_MODE_64, 0x0f, 0xb7, 0x47, 0x02);
	assert_int_equal(i.kind, X86_INSN_MOVZX);
	assert_int_equal(i.src_size, 2);
	assert_int_equal(i.opsize, 4);
	i = DECODE(X86_MODE_64, 0x48, 0x0f, 0xbe, 0x07);
	assert_int_equal(i.kind, X86_INSN_MOVSX);
	assert_int_equal(i.src_size, 1);
	assert_int_equal(i.opsize, 8);
	i = DECODE(X86_MODE_64, 0x48, 0x63, 0x07);
	assert_int_equal(i.kind, X86_INSN_MOVSX);
	assert_int_equal(i.src_size, 4);

	/* mov eax, [0xfee00000] (moffs, 32-bit code) and a 64-bit moffs */
	i = DECODE(X86_MODE_32, 0xa1, 0x00, 0x00, 0xe0, 0xfe);
	assert_int_equal(i.kind, X86_INSN_MOV_LOAD);
	assert_int_equal(i.mem.disp, 0xfee00000);
	assert_int_equal(x86_insn_mem_offset(&i, regs, 0), 0xfee00000);
	i = DECODE(X86_MODE_64, 0x48, 0xa3, 0x00, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00);
	assert_int_equal(i.kind, X86_INSN_MOV_STORE);
	assert_int_equal(i.opsize, 8);
	assert_int_equal(i.mem.disp, 0x100001000ll);

	/* mov rax, gs:[0x28] */
	i = DECODE(X86_MODE_64, 0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00);
	assert_int_equal(i.mem.seg, SEG_GS);
	assert_int_equal(i.mem.base, X86_REG_NONE);
	assert_int_equal(i.mem.index, X86_REG_NONE);
	assert_int_equal(i.mem.disp, 0x28);

	/* 32-bit: mov [ebx+esi*2-4], ecx; address arithmetic wraps at 4 GiB */
	regs[X86_RBX] = 0xfffffff0;
	regs[X86_RSI] = 0x10;
	i = DECODE(X86_MODE_32, 0x89, 0x4c, 0x73, 0xfc);
	assert_int_equal(i.reg.reg, X86_RCX);
	assert_int_equal(i.mem.disp, -4);
	assert_int_equal(x86_insn_mem_offset(&i, regs, 0), 0x0c);

	/* 16-bit: mov ax, [bp+si+2]: SS by default, a 16-bit wrap */
	regs[X86_RBP] = 0xfff0;
	regs[X86_RSI] = 0x20;
	i = DECODE(X86_MODE_16, 0x8b, 0x42, 0x02);
	assert_int_equal(i.opsize, 2);
	assert_int_equal(i.mem.base, X86_RBP);
	assert_int_equal(i.mem.index, X86_RSI);
	assert_int_equal(i.mem.seg, SEG_SS);
	assert_int_equal(x86_insn_mem_offset(&i, regs, 0), 0x12);

	/* Register to register: no memory operand. */
	i = DECODE(X86_MODE_64, 0x89, 0xc8); /* mov eax, ecx */
	assert_int_equal(i.kind, X86_INSN_MOV_STORE);
	assert_false(i.has_mem);
	assert_true(i.has_rm_reg);
	assert_int_equal(i.rm.reg, X86_RAX);
	assert_int_equal(i.reg.reg, X86_RCX);
}

static void test_string_stores(void **state)
{
	(void)state;
	struct x86_insn i = DECODE(X86_MODE_64, 0xf3, 0x48, 0xab); /* rep stosq */
	assert_int_equal(i.kind, X86_INSN_STOS);
	assert_int_equal(i.opsize, 8);
	assert_true(i.prefixes & X86_PFX_REP);
	assert_int_equal(i.mem.base, X86_RDI);
	assert_int_equal(i.mem.seg, SEG_ES);
	i = DECODE(X86_MODE_64, 0x64, 0xaa); /* stosb ignores a segment override */
	assert_int_equal(i.opsize, 1);
	assert_int_equal(i.mem.seg, SEG_ES);
	i = DECODE(X86_MODE_32, 0x66, 0xad); /* lodsw */
	assert_int_equal(i.kind, X86_INSN_LODS);
	assert_int_equal(i.opsize, 2);
	assert_int_equal(i.mem.base, X86_RSI);
}

static void test_misc_operands(void **state)
{
	(void)state;
	struct x86_insn i = DECODE(X86_MODE_64, 0xcd, 0x80);
	assert_int_equal(i.vector, 0x80);
	i = DECODE(X86_MODE_64, 0x0f, 0x01, 0x7d, 0x08); /* invlpg [rbp+8] */
	assert_int_equal(i.kind, X86_INSN_INVLPG);
	assert_int_equal(i.mem.base, X86_RBP);
	assert_int_equal(i.mem.disp, 8);
	i = DECODE(X86_MODE_64, 0x90); /* nop, not pause */
	assert_int_equal(i.kind, X86_INSN_OTHER);
	/* A REX followed by a legacy prefix is ignored. */
	i = DECODE(X86_MODE_64, 0x48, 0x66, 0xb8, 0x01, 0x00);
	assert_int_equal(i.rex, 0);
	assert_int_equal(i.len, 5);
	/* In 32-bit code 0x48 is DEC eax. */
	i = DECODE(X86_MODE_32, 0x48);
	assert_int_equal(i.len, 1);
	/* In 32-bit code ARPL, not MOVSXD. */
	i = DECODE(X86_MODE_32, 0x63, 0x07);
	assert_int_equal(i.kind, X86_INSN_OTHER);
	assert_int_equal(strcmp(x86_insn_kind_name(X86_INSN_VMMCALL), "vmmcall"), 0);
	assert_int_equal(strcmp(x86_insn_kind_name(X86_INSN_KIND_COUNT), "?"), 0);
	for (int k = 0; k < X86_INSN_KIND_COUNT; k++)
		assert_int_not_equal(strcmp(x86_insn_kind_name(k), "?"), 0);
}

static void test_refused(void **state)
{
	(void)state;
	struct x86_insn i;
	static const uint8_t vex[] = { 0xc5, 0xf8, 0x77 };           /* vzeroupper */
	static const uint8_t vex32[] = { 0xc5, 0xf8, 0x77 };
	static const uint8_t push_es[] = { 0x06 };
	static const uint8_t bad0f[] = { 0x0f, 0x04 };
	static const uint8_t salc[] = { 0xd6 };
	uint8_t prefixes[16];
	memset(prefixes, 0x66, sizeof(prefixes));
	prefixes[14] = 0x90;
	assert_int_equal(x86_decode(vex, sizeof(vex), X86_MODE_64, &i), X86_DECODE_INVALID);
	assert_int_equal(x86_decode(vex32, sizeof(vex32), X86_MODE_32, &i), X86_DECODE_INVALID);
	assert_int_equal(x86_decode(push_es, 1, X86_MODE_64, &i), X86_DECODE_INVALID);
	assert_int_equal(x86_decode(push_es, 1, X86_MODE_32, &i), 0);
	assert_int_equal(x86_decode(bad0f, 2, X86_MODE_64, &i), X86_DECODE_INVALID);
	assert_int_equal(x86_decode(salc, 1, X86_MODE_32, &i), X86_DECODE_INVALID);
	/* 14 prefixes and an opcode: 15 bytes, the limit. 15 prefixes: too long. */
	assert_int_equal(x86_decode(prefixes, 15, X86_MODE_64, &i), 0);
	assert_int_equal(i.len, 15);
	prefixes[14] = 0x66;
	prefixes[15] = 0x90;
	assert_int_equal(x86_decode(prefixes, 16, X86_MODE_64, &i), X86_DECODE_INVALID);
	assert_int_equal(x86_decode(prefixes, 0, X86_MODE_64, &i), X86_DECODE_TRUNCATED);
}

/* A linear memory of three pages at 0x1000..0x3fff; 0x4000.. is absent. */
static uint8_t lin_bytes[0x3000];
static int lin_reads;

static int lin_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	lin_reads++;
	if (addr < 0x1000 || addr + len > 0x4000)
		return -1;
	memcpy(buf, lin_bytes + addr - 0x1000, len);
	return 0;
}

static void test_fetch_decode(void **state)
{
	(void)state;
	const struct x86_mem lin = { NULL, lin_read, NULL };
	struct x86_insn i;
	/* mov eax, [rdi+0xf0] across the boundary of pages 1 and 2 */
	static const uint8_t mov[] = { 0x8b, 0x87, 0xf0, 0x00, 0x00, 0x00 };
	memcpy(lin_bytes + 0xffd, mov, sizeof(mov));
	assert_int_equal(x86_fetch_decode(&lin, 0x1ffd, X86_MODE_64, &i), 0);
	assert_int_equal(i.kind, X86_INSN_MOV_LOAD);
	assert_int_equal(i.len, 6);
	/* out dx, al as the last byte before an absent page: decodes, one read. */
	lin_bytes[0x2fff] = 0xee;
	lin_reads = 0;
	assert_int_equal(x86_fetch_decode(&lin, 0x3fff, X86_MODE_64, &i), 0);
	assert_int_equal(i.kind, X86_INSN_OUT);
	assert_int_equal(lin_reads, 1);
	/* in al, imm8 split by the absent page: a fetch fault. */
	lin_bytes[0x2fff] = 0xe4;
	assert_int_equal(x86_fetch_decode(&lin, 0x3fff, X86_MODE_64, &i), X86_DECODE_FETCH);
	assert_int_equal(x86_fetch_decode(&lin, 0x4000, X86_MODE_64, &i), X86_DECODE_FETCH);
	/* In the middle of a page: 15 bytes read at once. */
	lin_bytes[0x100] = 0xf4;
	assert_int_equal(x86_fetch_decode(&lin, 0x1100, X86_MODE_32, &i), 0);
	assert_int_equal(i.kind, X86_INSN_HLT);
}

static void test_mode_of(void **state)
{
	(void)state;
	assert_int_equal(x86_cpu_mode_of(true, false, 0x93), X86_MODE_16);
	assert_int_equal(x86_cpu_mode_of(false, false, 0xc9b), X86_MODE_32);
	assert_int_equal(x86_cpu_mode_of(false, false, 0x09b), X86_MODE_16);
	assert_int_equal(x86_cpu_mode_of(false, true, 0xa9b), X86_MODE_64);
}

/* Random bytes never make the decoder read past what it was given (the
 * buffer is exactly avail bytes on the heap, so ASan sees an overrun), and a
 * decoded length is never beyond avail or 15. */
static void test_random_bytes_stay_in_bounds(void **state)
{
	(void)state;
	uint32_t seed = 12345;
	for (int round = 0; round < 20000; round++) {
		size_t avail = (size_t)(round % 16);
		uint8_t *buf = malloc(avail ? avail : 1);
		assert_non_null(buf);
		for (size_t k = 0; k < avail; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = (uint8_t)(seed >> 16);
		}
		struct x86_insn insn;
		int rc = x86_decode(buf, avail, (enum x86_cpu_mode)(round % 3), &insn);
		if (rc == 0)
			assert_true(insn.len >= 1 && insn.len <= avail && insn.len <= X86_INSN_MAX_LEN);
		else
			assert_true(rc == X86_DECODE_INVALID || rc == X86_DECODE_TRUNCATED);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths_and_kinds),
		cmocka_unit_test(test_port_io),
		cmocka_unit_test(test_control_registers),
		cmocka_unit_test(test_mmio_moves),
		cmocka_unit_test(test_string_stores),
		cmocka_unit_test(test_misc_operands),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_random_bytes_stay_in_bounds),
		cmocka_unit_test(test_fetch_decode),
		cmocka_unit_test(test_mode_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
