/* The igb driver's entry point for kernel/main.c. */
#pragma once

/* Brings up the first Intel 82576 PF, if there is one; reads igb.* words from cmdline (pf.c). */
void igb_init(const char *cmdline);
