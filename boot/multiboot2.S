/*
 * The Multiboot2 header (Multiboot2 spec §3.1). GRUB finds it in the first
 * 32 KiB of the image and loads the ELF segments at their physical addresses.
 */
	.section .multiboot2, "a"
	.balign 8
mb2_header_start:
	.long 0xe85250d6                /* magic (§3.1.1) */
	.long 0                         /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header_start
	.long -(0xe85250d6 + 0 + (mb2_header_end - mb2_header_start))

	/* Information request tag (§3.1.4): we cannot boot without these. */
	.balign 8
	.short 1, 0
	.long 8 + 4 * 3
	.long 6                         /* memory map */
	.long 1                         /* command line */
	.long 3                         /* modules */

	/* End tag (§3.1.3) */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:
