// stockade_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
//
// clone3(2) whose child calls fn(arg) on the stack given in args and exits
// with its return value; clone3.h explains why this has to be assembly. The
// parent gets the kernel's result unchanged: the pid, or -errno.
//
// An assembly file rather than an asm statement in a .cc so that nothing
// (LTO, profile-guided inlining) can move code between the system call and
// the child's first instruction.
#include <asm/unistd.h>

#if defined(__x86_64__)
#include <cet.h>  // _CET_ENDBR and the property note, when built with -fcf-protection

	.text
	.globl	stockade_clone3
	.type	stockade_clone3, @function
	.p2align 4
stockade_clone3:
	.cfi_startproc
	_CET_ENDBR
	// rdi = args and rsi = size are already where the kernel wants them;
	// rdx = fn survives the syscall instruction (it clobbers rcx and r11),
	// so only arg moves out of rcx, to r8.
	mov	%rcx, %r8
	mov	$__NR_clone3, %eax
	// The child's frame below is not this function's: end the unwind info
	// here, as glibc does.
	.cfi_endproc
	syscall
	test	%rax, %rax
	jz	1f
	ret				// parent: pid > 0, or -errno

1:	// Child, on the new stack (the kernel set rsp to stack + stack_size).
	.cfi_startproc
	.cfi_undefined rip		// the outermost frame: nothing to unwind to
	xor	%ebp, %ebp
	and	$-16, %rsp		// the psABI's alignment at a call
	mov	%r8, %rdi
	call	*%rdx
	mov	%eax, %edi		// fn's int result is the exit status
	mov	$__NR_exit, %eax
	syscall
	hlt				// not reached: exit does not return
	.cfi_endproc
	.size	stockade_clone3, . - stockade_clone3

#endif

	// No executable stack for the binaries that link this.
	.section .note.GNU-stack, "", %progbits
