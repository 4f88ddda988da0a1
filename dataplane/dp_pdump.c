/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A capture tool leaving must not leave a worker inside its callback.
 *
 * DPDK 22.11's rte_pdump removes a port's capture callbacks when the tool
 * asks (dpdk-dumpcap as it stops) and answers at once, without waiting for a
 * worker that is still running one; the tool then frees the ring and the
 * pool the callback copies frames into. rte_free zeroes that memory and may
 * unmap its pages, so a worker still copying either faults (SIGSEGV) or
 * spins for ever on the ring's zeroed tail (the dataplane then never stops).
 * Capturing every frame of a busy port, the worker is inside the callback
 * most of the time, and the benchmark hit both. Later DPDK counts the
 * callback's users and waits for them (pdump: fix races in callbacks).
 *
 * Here the answer waits instead: rte_pdump's handler answers with
 * rte_mp_reply(), which this file defines. The dynamic linker binds
 * librte_pdump's call to the executable's definition first; it waits until
 * every worker has passed a quiescent state (dp_worker.c reports one
 * between bursts, outside any callback) and then calls the EAL's own. Only
 * answers to capture tools wait; the thread that sends them is the EAL's
 * multi-process thread, never a worker.
 */
#include <dlfcn.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"

#define PDUMP_MP "mp_pdump" /* rte_pdump's multi-process action */

static struct rte_rcu_qsbr *workers_rcu;

void dp_pdump_sync_workers(struct rte_rcu_qsbr *rcu)
{
	__atomic_store_n(&workers_rcu, rcu, __ATOMIC_RELEASE);
}

int rte_mp_reply(struct rte_mp_msg *msg, const char *peer)
{
	static int (*eal_reply)(struct rte_mp_msg *, const char *);
	struct rte_rcu_qsbr *rcu = __atomic_load_n(&workers_rcu, __ATOMIC_ACQUIRE);
	int (*reply)(struct rte_mp_msg *, const char *) =
	    __atomic_load_n(&eal_reply, __ATOMIC_ACQUIRE);

	if (reply == NULL) {
		*(void **)&reply = dlsym(RTLD_NEXT, "rte_mp_reply");
		if (reply == NULL) {
			rte_errno = ENOSYS;
			return -1;
		}
		__atomic_store_n(&eal_reply, reply, __ATOMIC_RELEASE);
	}
	if (rcu != NULL && strcmp(msg->name, PDUMP_MP) == 0)
		rte_rcu_qsbr_synchronize(rcu, RTE_QSBR_THRID_INVALID);
	return reply(msg, peer);
}
