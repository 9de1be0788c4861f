// SPDX-License-Identifier: GPL-2.0
/*
 * tandem_crash: makes the kernel fail in a chosen way, so that tandem's
 * diagnosis can be tested on real failures of the default guest.
 *
 * Writing one word to /proc/tandem-crash fails in the writing task:
 *   null     NULL pointer dereference (page fault oops)
 *   bug      BUG() (invalid opcode oops)
 *   divide   integer division by zero (divide error oops)
 *   hang     spin forever with interrupts disabled (only a monitor sees it)
 *   lockup   spin forever with preemption disabled (the soft lockup watchdog)
 *   panic    panic()
 * Each failure happens in its own function, so the top of the backtrace
 * names it.
 */
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static int zero;  /* read at run time, so the division is not folded */
module_param(zero, int, 0);

static noinline void tandem_crash_null(void)
{
	pr_info("tandem_crash: NULL pointer dereference\n");
	pr_info("tandem_crash: read %d\n", *(volatile int *)NULL);
}

static noinline void tandem_crash_bug(void)
{
	pr_info("tandem_crash: BUG()\n");
	BUG();
}

static noinline void tandem_crash_divide(void)
{
	volatile int divisor = zero;

	pr_info("tandem_crash: divide by zero\n");
	pr_info("tandem_crash: quotient %d\n", 1000 / divisor);
}

static noinline void tandem_crash_hang(void)
{
	pr_info("tandem_crash: spinning with interrupts disabled\n");
	local_irq_disable();
	for (;;)
		cpu_relax();
}

static noinline void tandem_crash_lockup(void)
{
	pr_info("tandem_crash: spinning with preemption disabled\n");
	preempt_disable();
	for (;;)
		cpu_relax();
}

static noinline void tandem_crash_panic(void)
{
	panic("tandem_crash: panic requested");
}

static const struct {
	const char *name;
	void (*fail)(void);
} failures[] = {
	{ "null", tandem_crash_null },	   { "bug", tandem_crash_bug },
	{ "divide", tandem_crash_divide }, { "hang", tandem_crash_hang },
	{ "lockup", tandem_crash_lockup }, { "panic", tandem_crash_panic },
};

static ssize_t tandem_crash_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *pos)
{
	char word[16];
	size_t n = min(len, sizeof(word) - 1);
	int i;

	if (copy_from_user(word, ubuf, n))
		return -EFAULT;
	word[n] = '\0';
	strim(word);
	for (i = 0; i < ARRAY_SIZE(failures); i++) {
		if (strcmp(word, failures[i].name) == 0) {
			failures[i].fail();
			return len;
		}
	}
	pr_err("tandem_crash: unknown failure '%s'\n", word);
	return -EINVAL;
}

static const struct proc_ops tandem_crash_ops = {
	.proc_write = tandem_crash_write,
	.proc_lseek = noop_llseek,
};

static struct proc_dir_entry *entry;

static int __init tandem_crash_init(void)
{
	entry = proc_create("tandem-crash", 0200, NULL, &tandem_crash_ops);
	return entry ? 0 : -ENOMEM;
}

static void __exit tandem_crash_exit(void)
{
	proc_remove(entry);
}

module_init(tandem_crash_init);
module_exit(tandem_crash_exit);
MODULE_DESCRIPTION("Fails the kernel on request, for testing tandem's diagnosis");
MODULE_LICENSE("GPL");
