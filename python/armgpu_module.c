/*
 * armgpu_module.c - the CPython extension module `armgpu`.
 *
 * A thin layer over include/armgpu.h (DESIGN.md, decision 8): it converts
 * arguments, turns agpu_error codes into Python exceptions carrying
 * agpu_last_error(), exposes lane registers through the buffer protocol and
 * releases the GIL while lanes run.  It keeps no emulator logic of its own.
 *
 * Written on the modern C API: multi-phase initialisation, heap types made
 * from PyType_Spec, all types, exceptions and enums in module state.  The one
 * piece of process-wide state is the SIGINT bookkeeping below: a signal
 * handler cannot find a module's state.
 *
 * Needs CPython 3.11 or later (PyType_GetModuleByDef).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "armgpu.h"

#if PY_VERSION_HEX < 0x030B0000
#error "the armgpu extension needs CPython 3.11 or later"
#endif

#ifndef ARMGPU_BUILT_WITH_CUDA
#define ARMGPU_BUILT_WITH_CUDA 0
#endif

/* ------------------------------------------------------------ module state */

typedef struct {
    PyTypeObject *Machine_Type;
    PyTypeObject *MetalCPU_Type;
    PyTypeObject *ParallelMetalCPU_Type;
    PyTypeObject *RegisterView_Type;
    PyTypeObject *ParallelResult_Type;
    PyTypeObject *ExecutionResult_Type;
    PyTypeObject *Stop_Type;
    PyTypeObject *BackendInfo_Type;
    PyTypeObject *ProgramResult_Type;
    PyObject *Error;
    PyObject *InvalidArgumentError;
    PyObject *OutOfMemoryError;
    PyObject *BackendUnavailableError;
    PyObject *LaneIndexError;
    PyObject *GuestMemoryError;
    PyObject *BackendError;
    PyObject *StateError;
    PyObject *MachineClosedError;
    PyObject *MachineBusyError;
    PyObject *StopReason; /* enum.IntEnum classes */
    PyObject *Reg;
    PyObject *Access;
    PyObject *FaultCause;
    PyObject *Prot;       /* enum.IntFlag */
    PyObject *reasons;    /* tuple: StopReason members by value */
    PyObject *accesses;   /* tuple: Access members by value */
    PyObject *causes;     /* tuple: FaultCause members by value */
    PyObject *array_type; /* array.array */
} modstate;

static struct PyModuleDef armgpu_def;

static modstate *state_of_type(PyTypeObject *tp)
{
    PyObject *mod = PyType_GetModuleByDef(tp, &armgpu_def);
    return mod ? (modstate *)PyModule_GetState(mod) : NULL;
}

#define STATE(obj) state_of_type(Py_TYPE(obj))

/* ------------------------------------------------------------------ errors */

/* Raises the exception for agpu error `rc` with the library's message. */
static void raise_agpu(modstate *st, int rc, const char *msg)
{
    PyObject *type;
    switch (rc) {
    case AGPU_ERR_INVALID_ARGUMENT: type = st->InvalidArgumentError; break;
    case AGPU_ERR_OUT_OF_MEMORY: type = st->OutOfMemoryError; break;
    case AGPU_ERR_UNAVAILABLE: type = st->BackendUnavailableError; break;
    case AGPU_ERR_LANE_RANGE: type = st->LaneIndexError; break;
    case AGPU_ERR_ADDRESS: type = st->GuestMemoryError; break;
    case AGPU_ERR_BACKEND: type = st->BackendError; break;
    case AGPU_ERR_STATE: type = st->StateError; break;
    default: type = st->Error; break;
    }
    if (!msg || !*msg) msg = agpu_strerror(rc);
    PyObject *exc = PyObject_CallFunction(type, "s", msg);
    if (!exc) return;
    PyObject *code = PyLong_FromLong(rc);
    if (code) {
        PyObject_SetAttrString(exc, "code", code); /* failure only loses the attribute */
        Py_DECREF(code);
    }
    PyErr_Clear();
    PyErr_SetObject(type, exc);
    Py_DECREF(exc);
}

/* ----------------------------------------------------------- SIGINT glue */

/*
 * While lanes run the GIL is released and Python's own SIGINT handler only
 * sets a flag nobody looks at, so Ctrl-C would wait for the run to end.
 * Around agpu_execute() a C handler is installed that calls agpu_interrupt()
 * (async-signal-safe) on every running machine; when the run returns, the
 * previous handler is restored and the signal is handed to Python, which
 * raises KeyboardInterrupt (or runs the script's own handler).
 * A signal that lands after the machine is registered but before the run
 * starts is not lost: agpu_execute keeps a request made before it.  (One
 * that lands after the run's last look at it and before the machine leaves
 * the registry stops the machine's next execute at once.)
 * The registry is lock-free so the handler may read it; everything else is
 * touched only with the GIL held.
 */
#define MAX_RUNNING 64
static agpu_machine *_Atomic running[MAX_RUNNING];
static atomic_int in_handler;
static atomic_int sigint_pending;
static int sigint_users;             /* executes in flight; GIL held */
static int sigint_installed;         /* GIL held */
static struct sigaction sigint_saved; /* GIL held */

static void on_sigint(int sig)
{
    (void)sig;
    atomic_fetch_add(&in_handler, 1);
    atomic_store(&sigint_pending, 1);
    for (int i = 0; i < MAX_RUNNING; i++) {
        agpu_machine *m = atomic_load(&running[i]);
        if (m) agpu_interrupt(m);
    }
    atomic_fetch_sub(&in_handler, 1);
}

static int sigint_enter(agpu_machine *m)
{
    int slot = -1;
    for (int i = 0; i < MAX_RUNNING; i++) {
        agpu_machine *expected = NULL;
        if (atomic_compare_exchange_strong(&running[i], &expected, m)) {
            slot = i;
            break;
        }
    }
    if (sigint_users++ == 0) {
        struct sigaction cur;
        if (sigaction(SIGINT, NULL, &cur) == 0 &&
            ((cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_IGN)) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_sigint;
            sigemptyset(&sa.sa_mask);
            if (sigaction(SIGINT, &sa, &sigint_saved) == 0) sigint_installed = 1;
        }
    }
    return slot;
}

/* Returns 1 when a SIGINT arrived during the run (and was forwarded). */
static int sigint_leave(int slot)
{
    if (slot >= 0) {
        atomic_store(&running[slot], NULL);
        /* A handler that already read the slot finishes before the machine
         * can be destroyed. */
        while (atomic_load(&in_handler)) sched_yield();
    }
    int restored_default = 0;
    if (--sigint_users == 0 && sigint_installed) {
        sigaction(SIGINT, &sigint_saved, NULL);
        sigint_installed = 0;
        restored_default = !(sigint_saved.sa_flags & SA_SIGINFO) && sigint_saved.sa_handler == SIG_DFL;
    }
    if (!atomic_exchange(&sigint_pending, 0)) return 0;
    if (restored_default) raise(SIGINT); /* the process was meant to die on Ctrl-C */
    else PyErr_SetInterruptEx(SIGINT);
    return 1;
}

/* ------------------------------------------------------ argument helpers */

static int is_negative(PyObject *v)
{
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred()) PyErr_Clear();
    return overflow < 0 || (!overflow && x < 0);
}

enum { K_SIZE, K_ADDR, K_VALUE };

/* Converts an int-like object to uint64.  K_VALUE also takes negative values
 * down to -2**63 (two's complement).  Errors: TypeError for non-integers;
 * GuestMemoryError (an IndexError) for addresses, ValueError otherwise. */
static int to_u64(modstate *st, PyObject *o, const char *what, int kind, uint64_t *out)
{
    if (!PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", what, Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *v = PyNumber_Index(o);
    if (!v) return -1;
    int neg = is_negative(v);
    unsigned long long u = 0;
    int bad = 0;
    if (!neg) {
        u = PyLong_AsUnsignedLongLong(v);
        if (u == (unsigned long long)-1 && PyErr_Occurred()) bad = 1;
    } else if (kind == K_VALUE) {
        long long s = PyLong_AsLongLong(v);
        if (s == -1 && PyErr_Occurred()) bad = 1;
        else u = (unsigned long long)s;
    } else {
        bad = 1;
    }
    if (bad) {
        PyErr_Clear();
        if (kind == K_ADDR)
            PyErr_Format(st->GuestMemoryError, "%s %R is outside the guest address space (0 to 2**64-1)",
                         what, v);
        else if (kind == K_VALUE)
            PyErr_Format(st->InvalidArgumentError, "%s %R does not fit in 64 bits (-2**63 to 2**64-1)",
                         what, v);
        else
            PyErr_Format(st->InvalidArgumentError, "%s %R out of range (0 to 2**64-1)", what, v);
        Py_DECREF(v);
        return -1;
    }
    Py_DECREF(v);
    *out = u;
    return 0;
}

static int to_u32(modstate *st, PyObject *o, const char *what, uint32_t *out)
{
    uint64_t v;
    if (to_u64(st, o, what, K_SIZE, &v)) return -1;
    if (v > UINT32_MAX) {
        PyErr_Format(st->InvalidArgumentError, "%s %llu out of range (0 to %u)", what,
                     (unsigned long long)v, UINT32_MAX);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* A lane index; None gives AGPU_ALL_LANES when allow_all.  Indices the C
 * library can judge are passed on; the few it cannot (negative, or too big
 * for uint32, where UINT32_MAX would mean "every lane") are refused here in
 * the library's words. */
static int to_lane(modstate *st, agpu_machine *m, PyObject *o, int allow_all, uint32_t *out)
{
    if (o == NULL || o == Py_None) {
        if (allow_all) {
            *out = AGPU_ALL_LANES;
            return 0;
        }
        PyErr_SetString(PyExc_TypeError, "lane must be an int, not None");
        return -1;
    }
    if (!PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "lane must be an int, not %.100s", Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *v = PyNumber_Index(o);
    if (!v) return -1;
    unsigned long long u = 0;
    int bad = is_negative(v);
    if (!bad) {
        u = PyLong_AsUnsignedLongLong(v);
        if ((u == (unsigned long long)-1 && PyErr_Occurred()) || u >= UINT32_MAX) bad = 1;
    }
    if (bad) {
        PyErr_Clear();
        PyErr_Format(st->LaneIndexError, "lane %R out of range (machine has %u lanes)", v, agpu_num_lanes(m));
        Py_DECREF(v);
        return -1;
    }
    Py_DECREF(v);
    *out = (uint32_t)u;
    return 0;
}

/* A register: an int (0..37, or an armgpu.Reg) or a name ("x0", "sp", "pc",
 * "nzcv", ... and the aliases "fp" and "lr").  Numbers out of range are left
 * to the library to refuse. */
static int to_reg(modstate *st, PyObject *o, agpu_reg *out)
{
    if (PyUnicode_Check(o)) {
        const char *s = PyUnicode_AsUTF8(o);
        if (!s) return -1;
        char low[32];
        size_t n = strlen(s);
        if (n < sizeof low) {
            for (size_t i = 0; i <= n; i++) low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
            const char *name = strcmp(low, "fp") == 0 ? "x29" : strcmp(low, "lr") == 0 ? "x30" : low;
            for (int r = 0; r < AGPU_REG_COUNT; r++) {
                if (strcmp(name, agpu_reg_name((agpu_reg)r)) == 0) {
                    *out = (agpu_reg)r;
                    return 0;
                }
            }
        }
        PyErr_Format(st->InvalidArgumentError,
                     "unknown register name %R (expected x0..x30, fp, lr, sp, pc, nzcv, tpidr_el0, "
                     "fpcr, fpsr or icount)",
                     o);
        return -1;
    }
    if (!PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "register must be an int or a name, not %.100s", Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *v = PyNumber_Index(o);
    if (!v) return -1;
    int overflow = 0;
    long r = PyLong_AsLongAndOverflow(v, &overflow);
    Py_DECREF(v);
    if (r == -1 && PyErr_Occurred()) return -1;
    if (overflow || r < INT32_MIN || r > INT32_MAX) {
        PyErr_Format(st->InvalidArgumentError, "register %R out of range (0 to %d)", o, AGPU_REG_COUNT - 1);
        return -1;
    }
    *out = (agpu_reg)r;
    return 0;
}

/* Bytes from a bytes-like object (any C-contiguous buffer) or an iterable of
 * ints 0..255 (the prototype's list[int]). */
typedef struct {
    Py_buffer view;
    int have_view;
    unsigned char *tmp;
    const void *ptr;
    size_t len;
} bytes_arg;

static int get_bytes(modstate *st, PyObject *o, const char *what, bytes_arg *b)
{
    memset(b, 0, sizeof *b);
    if (PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be bytes-like or a list of ints (0 to 255), not str", what);
        return -1;
    }
    if (PyObject_CheckBuffer(o)) {
        if (PyObject_GetBuffer(o, &b->view, PyBUF_SIMPLE) < 0) return -1;
        b->have_view = 1;
        b->ptr = b->view.buf;
        b->len = (size_t)b->view.len;
        return 0;
    }
    if (PyLong_Check(o) || !(PySequence_Check(o) || PyIter_Check(o) || Py_TYPE(o)->tp_iter)) {
        PyErr_Format(PyExc_TypeError, "%s must be bytes-like or a list of ints (0 to 255), not %.100s", what,
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *seq = PySequence_Fast(o, "data must be bytes-like or an iterable of ints");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    b->tmp = PyMem_Malloc(n ? (size_t)n : 1);
    if (!b->tmp) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = items[i];
        if (!PyIndex_Check(it)) {
            PyErr_Format(PyExc_TypeError, "%s[%zd] must be an int, not %.100s", what, i, Py_TYPE(it)->tp_name);
            goto fail;
        }
        PyObject *v = PyNumber_Index(it);
        if (!v) goto fail;
        int overflow = 0;
        long x = PyLong_AsLongAndOverflow(v, &overflow);
        if (x == -1 && PyErr_Occurred()) {
            Py_DECREF(v);
            goto fail;
        }
        if (overflow || x < 0 || x > 255) {
            PyErr_Format(st->InvalidArgumentError, "%s[%zd] = %R is not a byte (0 to 255)", what, i, v);
            Py_DECREF(v);
            goto fail;
        }
        Py_DECREF(v);
        b->tmp[i] = (unsigned char)x;
    }
    Py_DECREF(seq);
    b->ptr = b->tmp;
    b->len = (size_t)n;
    return 0;
fail:
    Py_DECREF(seq);
    PyMem_Free(b->tmp);
    b->tmp = NULL;
    return -1;
}

static void release_bytes(bytes_arg *b)
{
    if (b->have_view) PyBuffer_Release(&b->view);
    PyMem_Free(b->tmp);
    b->have_view = 0;
    b->tmp = NULL;
}

static int is_u64_format(const char *f)
{
    if (!f) return 0;
    if (*f == '@' || *f == '=' || *f == '<') f++;
    if (f[1] != 0) return 0;
    if (*f == 'Q' || *f == 'q') return 1;
    if ((*f == 'L' || *f == 'l' || *f == 'N' || *f == 'n') && sizeof(long) == 8) return 1;
    return 0;
}

/* `count` 64-bit values from a buffer of 64-bit integers (numpy uint64 or
 * int64, array('Q'), ...) or a sequence of ints; *vals is PyMem_Malloc'd. */
static int get_u64s(modstate *st, PyObject *o, const char *what, Py_ssize_t count, uint64_t **vals)
{
    *vals = NULL;
    if (PyUnicode_Check(o) || PyBytes_Check(o) || PyByteArray_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a sequence or buffer of 64-bit ints, not %.100s", what,
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    uint64_t *out = PyMem_Malloc(count ? (size_t)count * sizeof *out : 1);
    if (!out) {
        PyErr_NoMemory();
        return -1;
    }
    if (PyObject_CheckBuffer(o)) {
        Py_buffer v;
        if (PyObject_GetBuffer(o, &v, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) goto fail;
        if (v.itemsize != 8 || !is_u64_format(v.format)) {
            PyErr_Format(PyExc_TypeError, "%s must hold 64-bit ints (buffer format 'Q' or 'q'), not format '%s'",
                         what, v.format ? v.format : "B");
            PyBuffer_Release(&v);
            goto fail;
        }
        if (v.len / 8 != count) {
            PyErr_Format(st->InvalidArgumentError, "%s has %zd values, expected %zd", what, v.len / 8, count);
            PyBuffer_Release(&v);
            goto fail;
        }
        memcpy(out, v.buf, (size_t)count * 8);
        PyBuffer_Release(&v);
        *vals = out;
        return 0;
    }
    PyObject *seq = PySequence_Fast(o, "values must be a sequence or buffer of 64-bit ints");
    if (!seq) goto fail;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n != count) {
        PyErr_Format(st->InvalidArgumentError, "%s has %zd values, expected %zd", what, n, count);
        Py_DECREF(seq);
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s[%zd]", what, i);
        if (to_u64(st, PySequence_Fast_GET_ITEM(seq, i), name, K_VALUE, &out[i])) {
            Py_DECREF(seq);
            goto fail;
        }
    }
    Py_DECREF(seq);
    *vals = out;
    return 0;
fail:
    PyMem_Free(out);
    return -1;
}

/* An array.array('Q') holding a copy of n values. */
static PyObject *u64_array(modstate *st, const uint64_t *vals, Py_ssize_t n)
{
    PyObject *raw = PyBytes_FromStringAndSize((const char *)vals, n * 8);
    if (!raw) return NULL;
    PyObject *a = PyObject_CallFunction(st->array_type, "sO", "Q", raw);
    Py_DECREF(raw);
    return a;
}

static PyObject *enum_member(PyObject *table, uint32_t v)
{
    if (v < (uint32_t)PyTuple_GET_SIZE(table)) return Py_NewRef(PyTuple_GET_ITEM(table, v));
    return PyLong_FromUnsignedLong(v);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ===================================================================== Stop */

typedef struct {
    PyObject_HEAD
    agpu_stop stop;
    uint64_t pc;
} StopObject;

static PyObject *new_stop(modstate *st, const agpu_stop *s, uint64_t pc)
{
    StopObject *o = (StopObject *)st->Stop_Type->tp_alloc(st->Stop_Type, 0);
    if (!o) return NULL;
    o->stop = *s;
    o->pc = pc;
    return (PyObject *)o;
}

static void Stop_dealloc(PyObject *op)
{
    PyTypeObject *tp = Py_TYPE(op);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static PyObject *Stop_get_reason(StopObject *self, void *c)
{
    (void)c;
    modstate *st = STATE(self);
    return st ? enum_member(st->reasons, self->stop.reason) : NULL;
}

static PyObject *Stop_get_name(StopObject *self, void *c)
{
    (void)c;
    const char *n = agpu_stop_reason_name(self->stop.reason);
    return PyUnicode_FromString(n ? n : "UNKNOWN");
}

static PyObject *Stop_get_access(StopObject *self, void *c)
{
    (void)c;
    modstate *st = STATE(self);
    return st ? enum_member(st->accesses, self->stop.access) : NULL;
}

static PyObject *Stop_get_cause(StopObject *self, void *c)
{
    (void)c;
    modstate *st = STATE(self);
    return st ? enum_member(st->causes, self->stop.cause) : NULL;
}

static PyObject *Stop_str(StopObject *self)
{
    char buf[256];
    agpu_format_stop(&self->stop, self->pc, buf, sizeof buf);
    return PyUnicode_FromString(buf);
}

static PyObject *Stop_repr(StopObject *self)
{
    char buf[256];
    agpu_format_stop(&self->stop, self->pc, buf, sizeof buf);
    return PyUnicode_FromFormat("<armgpu.Stop %s>", buf);
}

static PyObject *Stop_richcompare(PyObject *a, PyObject *b, int op)
{
    if (Py_TYPE(a) != Py_TYPE(b) || (op != Py_EQ && op != Py_NE)) Py_RETURN_NOTIMPLEMENTED;
    StopObject *x = (StopObject *)a, *y = (StopObject *)b;
    int eq = x->pc == y->pc && memcmp(&x->stop, &y->stop, sizeof x->stop) == 0;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyMemberDef Stop_members[] = {
    {"imm", T_UINT, offsetof(StopObject, stop.imm), READONLY, "SVC/HLT/BRK: the 16-bit immediate."},
    {"encoding", T_UINT, offsetof(StopObject, stop.encoding), READONLY,
     "UNDEFINED: the instruction word; otherwise the word at the stop when one was fetched, else 0."},
    {"address", T_ULONGLONG, offsetof(StopObject, stop.address), READONLY,
     "FAULT: the first guest address that failed."},
    {"pc", T_ULONGLONG, offsetof(StopObject, pc), READONLY, "The lane's PC when it stopped."},
    {NULL},
};

static PyGetSetDef Stop_getset[] = {
    {"reason", (getter)Stop_get_reason, NULL, "Why the lane stopped: a StopReason.", NULL},
    {"name", (getter)Stop_get_name, NULL, "The reason's name: 'HALT', 'SYSCALL', 'FAULT', ...", NULL},
    {"access", (getter)Stop_get_access, NULL, "FAULT: the kind of access (an Access).", NULL},
    {"cause", (getter)Stop_get_cause, NULL, "FAULT: why the access failed (a FaultCause).", NULL},
    {NULL},
};

PyDoc_STRVAR(Stop_doc,
"One lane's stop record: why it stopped and the details of the stop.\n\n"
"reason is a StopReason; imm is the immediate of HLT/SVC/BRK; encoding the\n"
"undefined instruction's word; access, cause and address describe a fault;\n"
"pc is where the lane stopped.  str(stop) is a one-line description, for\n"
"example 'FAULT: write at 0x10000 (unmapped) at pc 0x8'.");

static PyType_Slot Stop_slots[] = {
    {Py_tp_dealloc, Stop_dealloc},   {Py_tp_str, Stop_str},         {Py_tp_repr, Stop_repr},
    {Py_tp_members, Stop_members},   {Py_tp_getset, Stop_getset},   {Py_tp_doc, (void *)Stop_doc},
    {Py_tp_richcompare, Stop_richcompare}, {Py_tp_hash, PyObject_HashNotImplemented},
    {0, NULL},
};

static PyType_Spec Stop_spec = {
    .name = "armgpu.Stop",
    .basicsize = sizeof(StopObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Stop_slots,
};

/* ================================================================== Results */

/* One type of storage behind ParallelResult and ExecutionResult: the raw
 * per-lane records of one agpu_execute(), turned into Python objects on
 * first access. */
typedef struct {
    PyObject_HEAD
    uint32_t n;
    agpu_lane_result *res;
    double elapsed;
    uint64_t total;
    int interrupted;
    PyObject *cycles, *pcs, *reasons, *stops; /* caches */
} ResultObject;

static int Result_traverse(ResultObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->cycles);
    Py_VISIT(self->pcs);
    Py_VISIT(self->reasons);
    Py_VISIT(self->stops);
    return 0;
}

static int Result_clear(ResultObject *self)
{
    Py_CLEAR(self->cycles);
    Py_CLEAR(self->pcs);
    Py_CLEAR(self->reasons);
    Py_CLEAR(self->stops);
    return 0;
}

static void Result_dealloc(ResultObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Result_clear(self);
    PyMem_RawFree(self->res);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

/* One uint64_t field of every lane's result as an array.array('Q'), built
 * on first use and cached in *cache. */
static PyObject *result_u64_field(ResultObject *self, PyObject **cache, size_t offset)
{
    if (!*cache) {
        modstate *st = STATE(self);
        if (!st) return NULL;
        uint64_t *v = PyMem_Malloc((self->n ? self->n : 1) * sizeof *v);
        if (!v) return PyErr_NoMemory();
        for (uint32_t i = 0; i < self->n; i++)
            memcpy(&v[i], (const char *)&self->res[i] + offset, sizeof v[i]);
        *cache = u64_array(st, v, self->n);
        PyMem_Free(v);
        if (!*cache) return NULL;
    }
    return Py_NewRef(*cache);
}

static PyObject *Result_cycles_per_lane(ResultObject *self, void *c)
{
    (void)c;
    return result_u64_field(self, &self->cycles, offsetof(agpu_lane_result, instructions));
}

static PyObject *Result_pcs_per_lane(ResultObject *self, void *c)
{
    (void)c;
    return result_u64_field(self, &self->pcs, offsetof(agpu_lane_result, pc));
}

static PyObject *Result_stop_reasons(ResultObject *self, void *c)
{
    (void)c;
    if (!self->reasons) {
        modstate *st = STATE(self);
        if (!st) return NULL;
        PyObject *l = PyList_New(self->n);
        if (!l) return NULL;
        for (uint32_t i = 0; i < self->n; i++) {
            PyObject *r = enum_member(st->reasons, self->res[i].stop.reason);
            if (!r) {
                Py_DECREF(l);
                return NULL;
            }
            PyList_SET_ITEM(l, i, r);
        }
        self->reasons = l;
    }
    return Py_NewRef(self->reasons);
}

static PyObject *Result_stops(ResultObject *self, void *c)
{
    (void)c;
    if (!self->stops) {
        modstate *st = STATE(self);
        if (!st) return NULL;
        PyObject *l = PyList_New(self->n);
        if (!l) return NULL;
        for (uint32_t i = 0; i < self->n; i++) {
            PyObject *s = new_stop(st, &self->res[i].stop, self->res[i].pc);
            if (!s) {
                Py_DECREF(l);
                return NULL;
            }
            PyList_SET_ITEM(l, i, s);
        }
        self->stops = l;
    }
    return Py_NewRef(self->stops);
}

static PyObject *Result_total_cycles(ResultObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(self->total);
}

static PyObject *Result_elapsed(ResultObject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(self->elapsed);
}

static PyObject *Result_num_lanes(ResultObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLong(self->n);
}

static PyObject *Result_interrupted(ResultObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->interrupted);
}

static uint64_t result_min(ResultObject *self)
{
    uint64_t m = self->n ? UINT64_MAX : 0;
    for (uint32_t i = 0; i < self->n; i++)
        if (self->res[i].instructions < m) m = self->res[i].instructions;
    return m;
}

static uint64_t result_max(ResultObject *self)
{
    uint64_t m = 0;
    for (uint32_t i = 0; i < self->n; i++)
        if (self->res[i].instructions > m) m = self->res[i].instructions;
    return m;
}

static double result_ips(ResultObject *self)
{
    return self->elapsed > 0 ? (double)self->total / self->elapsed : 0.0;
}

static PyObject *Result_avg_ips(ResultObject *self, PyObject *unused)
{
    (void)unused;
    return PyFloat_FromDouble(result_ips(self));
}

static PyObject *Result_min_cycles(ResultObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromUnsignedLongLong(result_min(self));
}

static PyObject *Result_max_cycles(ResultObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromUnsignedLongLong(result_max(self));
}

static PyObject *Result_lane_efficiency(ResultObject *self, PyObject *unused)
{
    (void)unused;
    uint64_t mx = result_max(self);
    return PyFloat_FromDouble(mx ? (double)result_min(self) / (double)mx : 1.0);
}

static PyObject *ParallelResult_repr(ResultObject *self)
{
    char ips[64];
    snprintf(ips, sizeof ips, "%.0f", result_ips(self));
    return PyUnicode_FromFormat("ParallelResult(total_cycles=%llu, avg_ips=%s, lanes=%u)",
                                (unsigned long long)self->total, ips, self->n);
}

static PyObject *ParallelResult_str(ResultObject *self)
{
    char ips[64];
    snprintf(ips, sizeof ips, "%.0f", result_ips(self));
    return PyUnicode_FromFormat("ParallelResult:\n  Total cycles: %llu\n  Avg IPS: %s\n  Lanes: %u\n"
                                "  Min/Max cycles per lane: %llu/%llu",
                                (unsigned long long)self->total, ips, self->n,
                                (unsigned long long)result_min(self), (unsigned long long)result_max(self));
}

static PyMethodDef ParallelResult_methods[] = {
    {"avg_ips", (PyCFunction)Result_avg_ips, METH_NOARGS,
     "avg_ips($self, /)\n--\n\nInstructions retired by all lanes per second of wall time (0.0 if no time passed)."},
    {"min_cycles", (PyCFunction)Result_min_cycles, METH_NOARGS,
     "min_cycles($self, /)\n--\n\nThe fewest instructions any lane retired."},
    {"max_cycles", (PyCFunction)Result_max_cycles, METH_NOARGS,
     "max_cycles($self, /)\n--\n\nThe most instructions any lane retired."},
    {"lane_efficiency", (PyCFunction)Result_lane_efficiency, METH_NOARGS,
     "lane_efficiency($self, /)\n--\n\nmin_cycles() / max_cycles(): 1.0 when every lane did the same work "
     "(and when no lane retired anything)."},
    {NULL},
};

static PyGetSetDef ParallelResult_getset[] = {
    {"total_cycles", (getter)Result_total_cycles, NULL, "Instructions retired by all lanes together.", NULL},
    {"elapsed_seconds", (getter)Result_elapsed, NULL, "Wall time of the execute() call, in seconds.", NULL},
    {"num_lanes", (getter)Result_num_lanes, NULL, "Number of lanes.", NULL},
    {"cycles_per_lane", (getter)Result_cycles_per_lane, NULL,
     "Instructions each lane retired in this call: an array.array('Q') (buffer protocol).", NULL},
    {"pcs_per_lane", (getter)Result_pcs_per_lane, NULL,
     "Each lane's PC when it stopped: an array.array('Q').", NULL},
    {"stop_reasons", (getter)Result_stop_reasons, NULL,
     "Each lane's stop reason: a list of StopReason (an IntEnum, so they compare equal to ints).", NULL},
    {"stops", (getter)Result_stops, NULL, "Each lane's full stop record: a list of Stop.", NULL},
    {"interrupted", (getter)Result_interrupted, NULL,
     "True when Machine.interrupt() cut the run short (lanes not yet stopped report INTERRUPTED).", NULL},
    {NULL},
};

PyDoc_STRVAR(ParallelResult_doc,
"What one execute() of a many-lane machine did: per-lane instruction counts,\n"
"PCs and stop records, and the wall time it took.\n\n"
"Counts are instructions retired in this call (the prototype called them\n"
"cycles).  cycles_per_lane and pcs_per_lane are array.array('Q') objects,\n"
"so numpy.asarray() reads them without copying.");

static PyType_Slot ParallelResult_slots[] = {
    {Py_tp_dealloc, Result_dealloc},
    {Py_tp_traverse, Result_traverse},
    {Py_tp_clear, Result_clear},
    {Py_tp_repr, ParallelResult_repr},
    {Py_tp_str, ParallelResult_str},
    {Py_tp_methods, ParallelResult_methods},
    {Py_tp_getset, ParallelResult_getset},
    {Py_tp_doc, (void *)ParallelResult_doc},
    {0, NULL},
};

static PyType_Spec ParallelResult_spec = {
    .name = "armgpu.ParallelResult",
    .basicsize = sizeof(ResultObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = ParallelResult_slots,
};

/* ExecutionResult: the one-lane view MetalCPU.execute() returns. */

static PyObject *Exec_cycles(ResultObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(self->n ? self->res[0].instructions : 0);
}

static PyObject *Exec_pc(ResultObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(self->n ? self->res[0].pc : 0);
}

static PyObject *Exec_stop_reason(ResultObject *self, void *c)
{
    (void)c;
    modstate *st = STATE(self);
    if (!st) return NULL;
    return enum_member(st->reasons, self->n ? self->res[0].stop.reason : 0);
}

static PyObject *Exec_stop_reason_name(ResultObject *self, void *c)
{
    (void)c;
    const char *n = agpu_stop_reason_name(self->n ? self->res[0].stop.reason : 0);
    return PyUnicode_FromString(n ? n : "UNKNOWN");
}

static PyObject *Exec_stop(ResultObject *self, void *c)
{
    (void)c;
    modstate *st = STATE(self);
    if (!st) return NULL;
    agpu_stop zero = {0};
    return new_stop(st, self->n ? &self->res[0].stop : &zero, self->n ? self->res[0].pc : 0);
}

static PyObject *Exec_ips(ResultObject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(result_ips(self));
}

static PyObject *Exec_repr(ResultObject *self)
{
    const char *n = agpu_stop_reason_name(self->n ? self->res[0].stop.reason : 0);
    char buf[160]; /* PyUnicode_FromFormat has no %llx */
    snprintf(buf, sizeof buf, "ExecutionResult(cycles=%llu, stop_reason=%s, final_pc=0x%llx)",
             (unsigned long long)(self->n ? self->res[0].instructions : 0), n ? n : "UNKNOWN",
             (unsigned long long)(self->n ? self->res[0].pc : 0));
    return PyUnicode_FromString(buf);
}

static PyGetSetDef Exec_getset[] = {
    {"cycles", (getter)Exec_cycles, NULL, "Instructions the lane retired in this call.", NULL},
    {"ips", (getter)Exec_ips, NULL, "cycles / elapsed_seconds (0.0 if no time passed).", NULL},
    {"elapsed_seconds", (getter)Result_elapsed, NULL, "Wall time of the execute() call, in seconds.", NULL},
    {"stop_reason", (getter)Exec_stop_reason, NULL, "Why the lane stopped: a StopReason (an IntEnum).", NULL},
    {"stop_reason_name", (getter)Exec_stop_reason_name, NULL,
     "The stop reason's name: 'HALT', 'SYSCALL', 'BREAK', 'FAULT', 'UNDEFINED', 'MAX_CYCLES', ...", NULL},
    {"final_pc", (getter)Exec_pc, NULL, "The PC when the lane stopped.", NULL},
    {"pc", (getter)Exec_pc, NULL, "The PC when the lane stopped (same as final_pc).", NULL},
    {"stop", (getter)Exec_stop, NULL, "The full stop record: a Stop.", NULL},
    {"interrupted", (getter)Result_interrupted, NULL, "True when Machine.interrupt() cut the run short.", NULL},
    {NULL},
};

PyDoc_STRVAR(Exec_doc,
"What one execute() of a MetalCPU did: instructions retired (cycles), the\n"
"stop reason and its name, the final PC, the wall time and ips.");

static PyType_Slot Exec_slots[] = {
    {Py_tp_dealloc, Result_dealloc}, {Py_tp_traverse, Result_traverse}, {Py_tp_clear, Result_clear},
    {Py_tp_repr, Exec_repr},         {Py_tp_getset, Exec_getset},       {Py_tp_doc, (void *)Exec_doc},
    {0, NULL},
};

static PyType_Spec Exec_spec = {
    .name = "armgpu.ExecutionResult",
    .basicsize = sizeof(ResultObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Exec_slots,
};

/* ================================================================== Machine */

typedef struct {
    PyObject_HEAD
    agpu_machine *m;
    int closed;
    int busy;            /* executing with the GIL released */
    Py_ssize_t exports;  /* live buffer exports of the register file */
    PyObject *weakreflist;
} MachineObject;

/* The machine, or NULL with an exception when it cannot be used now. */
static agpu_machine *machine_of(MachineObject *self)
{
    if (!self->m || self->closed) {
        modstate *st = STATE(self);
        if (st)
            PyErr_SetString(st->MachineClosedError,
                            self->closed ? "operation on a closed machine" : "machine is not initialized");
        return NULL;
    }
    if (self->busy) {
        modstate *st = STATE(self);
        if (st)
            PyErr_SetString(st->MachineBusyError,
                            "machine is executing in another thread; wait for execute() to return or call "
                            "interrupt()");
        return NULL;
    }
    return self->m;
}

#define GET_MACHINE(self, st, m)                        \
    modstate *st = STATE(self);                         \
    if (!st) return NULL;                               \
    agpu_machine *m = machine_of((MachineObject *)self); \
    if (!m) return NULL

#define CHECK_RC(st, m, call)                         \
    do {                                              \
        int rc_ = (call);                             \
        if (rc_ != AGPU_OK) {                         \
            raise_agpu(st, rc_, agpu_last_error(m));  \
            return NULL;                              \
        }                                             \
    } while (0)

static void machine_destroy(MachineObject *self)
{
    if (self->m) {
        agpu_destroy(self->m);
        self->m = NULL;
    }
}

static void Machine_dealloc(MachineObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (self->weakreflist) PyObject_ClearWeakRefs((PyObject *)self);
    machine_destroy(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static int machine_create(MachineObject *self, PyObject *lanes_o, uint32_t default_lanes, PyObject *mem_o,
                          PyObject *pbase_o, PyObject *psize_o, const char *backend, PyObject *threads_o)
{
    modstate *st = STATE(self);
    if (!st) return -1;
    if (self->m || self->closed) {
        PyErr_SetString(PyExc_RuntimeError, "a machine can be initialized only once");
        return -1;
    }
    agpu_config cfg;
    agpu_config_init(&cfg);
    cfg.num_lanes = default_lanes;
    if (lanes_o && to_u32(st, lanes_o, "num_lanes", &cfg.num_lanes)) return -1;
    if (mem_o && to_u64(st, mem_o, "memory_size", K_SIZE, &cfg.shared_size)) return -1;
    if (pbase_o && to_u64(st, pbase_o, "private_base", K_SIZE, &cfg.private_base)) return -1;
    if (psize_o && to_u64(st, psize_o, "private_size", K_SIZE, &cfg.private_size)) return -1;
    if (threads_o && to_u32(st, threads_o, "num_threads", &cfg.num_threads)) return -1;
    if (backend && agpu_backend_from_name(backend, &cfg.backend) != AGPU_OK) {
        PyErr_Format(st->InvalidArgumentError, "backend '%s' is not 'auto', 'cpu' or 'cuda'", backend);
        return -1;
    }
    agpu_machine *m = NULL;
    int rc = agpu_create(&cfg, &m);
    if (rc != AGPU_OK) {
        raise_agpu(st, rc, agpu_last_error(NULL));
        return -1;
    }
    self->m = m;
    return 0;
}

static int Machine_init(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"num_lanes", "memory_size", "private_base", "private_size", "backend", "num_threads",
                         NULL};
    PyObject *lanes = NULL, *mem = NULL, *pbase = NULL, *psize = NULL, *threads = NULL;
    const char *backend = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO$OOsO:Machine", kw, &lanes, &mem, &pbase, &psize, &backend,
                                     &threads))
        return -1;
    return machine_create(self, lanes, 1, mem, pbase, psize, backend, threads);
}

static int Parallel_init(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"num_lanes", "memory_size", "private_base", "private_size", "backend", "num_threads",
                         NULL};
    PyObject *lanes = NULL, *mem = NULL, *pbase = NULL, *psize = NULL, *threads = NULL;
    const char *backend = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO$OOsO:ParallelMetalCPU", kw, &lanes, &mem, &pbase, &psize,
                                     &backend, &threads))
        return -1;
    return machine_create(self, lanes, 32, mem, pbase, psize, backend, threads);
}

static int MetalCPU_init(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"memory_size", "private_base", "private_size", "backend", "num_threads", NULL};
    PyObject *mem = NULL, *pbase = NULL, *psize = NULL, *threads = NULL;
    const char *backend = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$OOsO:MetalCPU", kw, &mem, &pbase, &psize, &backend,
                                     &threads))
        return -1;
    return machine_create(self, NULL, 1, mem, pbase, psize, backend, threads);
}

static PyObject *Machine_repr(MachineObject *self)
{
    const char *name = Py_TYPE(self)->tp_name;
    if (!self->m || self->closed) return PyUnicode_FromFormat("<%s (closed)>", name);
    return PyUnicode_FromFormat("<%s num_lanes=%u memory_size=%llu private_size=%llu backend='%s'>", name,
                                agpu_num_lanes(self->m), (unsigned long long)agpu_shared_size(self->m),
                                (unsigned long long)agpu_private_size(self->m),
                                agpu_backend_name(agpu_machine_backend(self->m)));
}

/* ----- lifetime */

static PyObject *Machine_close(MachineObject *self, PyObject *unused)
{
    (void)unused;
    if (self->busy) {
        modstate *st = STATE(self);
        if (st) PyErr_SetString(st->MachineBusyError, "cannot close a machine while it executes in another thread");
        return NULL;
    }
    self->closed = 1;
    /* Buffer views of the register file stay valid: the machine is freed
     * when the last one is released. */
    if (self->exports == 0) machine_destroy(self);
    Py_RETURN_NONE;
}

static PyObject *Machine_enter(MachineObject *self, PyObject *unused)
{
    (void)unused;
    if (!machine_of(self)) return NULL;
    return Py_NewRef(self);
}

static PyObject *Machine_exit(MachineObject *self, PyObject *args)
{
    (void)args;
    PyObject *r = Machine_close(self, NULL);
    if (!r) return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static PyObject *Machine_interrupt(MachineObject *self, PyObject *unused)
{
    (void)unused;
    /* Allowed while busy: that is its purpose.  agpu_interrupt is safe from
     * any thread. */
    if (self->m && !self->closed) agpu_interrupt(self->m);
    Py_RETURN_NONE;
}

/* ----- properties */

static PyObject *Machine_get_closed(MachineObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(!self->m || self->closed);
}

static PyObject *Machine_get_backend(MachineObject *self, void *c)
{
    (void)c;
    GET_MACHINE(self, st, m);
    return PyUnicode_FromString(agpu_backend_name(agpu_machine_backend(m)));
}

static PyObject *Machine_get_num_lanes(MachineObject *self, void *c)
{
    (void)c;
    GET_MACHINE(self, st, m);
    return PyLong_FromUnsignedLong(agpu_num_lanes(m));
}

static PyObject *Machine_get_num_lanes_meth(MachineObject *self, PyObject *unused)
{
    (void)unused;
    return Machine_get_num_lanes(self, NULL);
}

static PyObject *Machine_get_memory_size(MachineObject *self, void *c)
{
    (void)c;
    GET_MACHINE(self, st, m);
    return PyLong_FromUnsignedLongLong(agpu_shared_size(m));
}

static PyObject *Machine_get_private_base(MachineObject *self, void *c)
{
    (void)c;
    GET_MACHINE(self, st, m);
    return PyLong_FromUnsignedLongLong(agpu_private_base(m));
}

static PyObject *Machine_get_private_size(MachineObject *self, void *c)
{
    (void)c;
    GET_MACHINE(self, st, m);
    return PyLong_FromUnsignedLongLong(agpu_private_size(m));
}

/* ----- guest memory */

static PyObject *Machine_load_program(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"program", "address", NULL};
    PyObject *prog, *addr_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:load_program", kw, &prog, &addr_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint64_t addr = 0;
    if (addr_o && to_u64(st, addr_o, "address", K_ADDR, &addr)) return NULL;
    bytes_arg b;
    if (get_bytes(st, prog, "program", &b)) return NULL;
    int rc = agpu_load(m, addr, b.ptr, b.len);
    release_bytes(&b);
    CHECK_RC(st, m, rc);
    Py_RETURN_NONE;
}

static PyObject *Machine_write_memory(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"address", "data", "lane", NULL};
    PyObject *addr_o, *data, *lane_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:write_memory", kw, &addr_o, &data, &lane_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint64_t addr;
    uint32_t lane;
    if (to_u64(st, addr_o, "address", K_ADDR, &addr) || to_lane(st, m, lane_o, 1, &lane)) return NULL;
    bytes_arg b;
    if (get_bytes(st, data, "data", &b)) return NULL;
    int rc = agpu_write_memory(m, lane, addr, b.ptr, b.len);
    release_bytes(&b);
    CHECK_RC(st, m, rc);
    Py_RETURN_NONE;
}

static PyObject *Machine_read_memory(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"address", "size", "lane", NULL};
    PyObject *addr_o, *size_o, *lane_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:read_memory", kw, &addr_o, &size_o, &lane_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint64_t addr, size;
    uint32_t lane;
    if (to_u64(st, addr_o, "address", K_ADDR, &addr) || to_u64(st, size_o, "size", K_SIZE, &size) ||
        to_lane(st, m, lane_o, 1, &lane))
        return NULL;
    if (size > (uint64_t)PY_SSIZE_T_MAX) {
        PyErr_Format(st->InvalidArgumentError, "size %llu is too large for one bytes object",
                     (unsigned long long)size);
        return NULL;
    }
    /* Let the library judge the range before allocating. */
    if (size) {
        uint8_t probe;
        uint64_t last = addr + size - 1;
        if (last < addr) {
            PyErr_Format(st->GuestMemoryError, "guest range [0x%llx, +%llu) wraps past 2**64",
                         (unsigned long long)addr, (unsigned long long)size);
            return NULL;
        }
        CHECK_RC(st, m, agpu_read_memory(m, lane, addr, &probe, 1));
        CHECK_RC(st, m, agpu_read_memory(m, lane, last, &probe, 1));
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (!out) return NULL;
    int rc = agpu_read_memory(m, lane, addr, PyBytes_AS_STRING(out), (size_t)size);
    if (rc != AGPU_OK) {
        Py_DECREF(out);
        raise_agpu(st, rc, agpu_last_error(m));
        return NULL;
    }
    return out;
}

static PyObject *Machine_read_memory_into(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"address", "buffer", "lane", NULL};
    PyObject *addr_o, *buf_o, *lane_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:read_memory_into", kw, &addr_o, &buf_o, &lane_o))
        return NULL;
    GET_MACHINE(self, st, m);
    uint64_t addr;
    uint32_t lane;
    if (to_u64(st, addr_o, "address", K_ADDR, &addr) || to_lane(st, m, lane_o, 1, &lane)) return NULL;
    Py_buffer v;
    if (PyObject_GetBuffer(buf_o, &v, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) return NULL;
    int rc = agpu_read_memory(m, lane, addr, v.buf, (size_t)v.len);
    Py_ssize_t n = v.len;
    PyBuffer_Release(&v);
    CHECK_RC(st, m, rc);
    return PyLong_FromSsize_t(n);
}

static PyObject *read_word(MachineObject *self, PyObject *args, PyObject *kwds, size_t width, const char *fname)
{
    static char *kw[] = {"address", "lane", NULL};
    PyObject *addr_o, *lane_o = NULL;
    char fmt[48];
    snprintf(fmt, sizeof fmt, "O|O:%s", fname);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kw, &addr_o, &lane_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint64_t addr;
    uint32_t lane;
    if (to_u64(st, addr_o, "address", K_ADDR, &addr) || to_lane(st, m, lane_o, 1, &lane)) return NULL;
    uint8_t b[8] = {0};
    CHECK_RC(st, m, agpu_read_memory(m, lane, addr, b, width));
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++) v |= (uint64_t)b[i] << (8 * i); /* guest memory is little-endian */
    return PyLong_FromUnsignedLongLong(v);
}

static PyObject *write_word(MachineObject *self, PyObject *args, PyObject *kwds, size_t width, const char *fname)
{
    static char *kw[] = {"address", "value", "lane", NULL};
    PyObject *addr_o, *val_o, *lane_o = NULL;
    char fmt[48];
    snprintf(fmt, sizeof fmt, "OO|O:%s", fname);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kw, &addr_o, &val_o, &lane_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint64_t addr, v;
    uint32_t lane;
    if (to_u64(st, addr_o, "address", K_ADDR, &addr) || to_u64(st, val_o, "value", K_VALUE, &v) ||
        to_lane(st, m, lane_o, 1, &lane))
        return NULL;
    if (width < 8) {
        /* Accept unsigned or signed values of the width, as a C cast would not. */
        int64_t s = (int64_t)v;
        uint64_t lim = 1ull << (8 * width);
        if (!(v < lim || (s < 0 && s >= -(int64_t)(lim / 2)))) {
            PyErr_Format(st->InvalidArgumentError, "value %R does not fit in %zu bits", val_o, 8 * width);
            return NULL;
        }
    }
    uint8_t b[8];
    for (size_t i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    CHECK_RC(st, m, agpu_write_memory(m, lane, addr, b, width));
    Py_RETURN_NONE;
}

static PyObject *Machine_read_memory_64(MachineObject *s, PyObject *a, PyObject *k) { return read_word(s, a, k, 8, "read_memory_64"); }
static PyObject *Machine_read_memory_32(MachineObject *s, PyObject *a, PyObject *k) { return read_word(s, a, k, 4, "read_memory_32"); }
static PyObject *Machine_write_memory_64(MachineObject *s, PyObject *a, PyObject *k) { return write_word(s, a, k, 8, "write_memory_64"); }
static PyObject *Machine_write_memory_32(MachineObject *s, PyObject *a, PyObject *k) { return write_word(s, a, k, 4, "write_memory_32"); }

static PyObject *Machine_protect(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"address", "size", "prot", "lane", NULL};
    PyObject *addr_o, *size_o, *prot_o, *lane_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO|O:protect", kw, &addr_o, &size_o, &prot_o, &lane_o))
        return NULL;
    GET_MACHINE(self, st, m);
    uint64_t addr, size;
    uint32_t prot, lane;
    if (to_u64(st, addr_o, "address", K_ADDR, &addr) || to_u64(st, size_o, "size", K_SIZE, &size) ||
        to_u32(st, prot_o, "prot", &prot) || to_lane(st, m, lane_o, 1, &lane))
        return NULL;
    CHECK_RC(st, m, agpu_protect_lane(m, lane, addr, size, prot));
    Py_RETURN_NONE;
}

static PyObject *Machine_get_protection(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"address", "lane", NULL};
    PyObject *addr_o, *lane_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:get_protection", kw, &addr_o, &lane_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint64_t addr;
    uint32_t lane;
    if (to_u64(st, addr_o, "address", K_ADDR, &addr) || to_lane(st, m, lane_o, 1, &lane)) return NULL;
    uint32_t prot = 0;
    CHECK_RC(st, m, agpu_get_protection_lane(m, lane, addr, &prot));
    return PyObject_CallFunction(st->Prot, "I", prot);
}

/* ----- registers */

static PyObject *Machine_get_lane_register(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane", "reg", NULL};
    PyObject *lane_o, *reg_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:get_lane_register", kw, &lane_o, &reg_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane;
    agpu_reg reg;
    if (to_lane(st, m, lane_o, 0, &lane) || to_reg(st, reg_o, &reg)) return NULL;
    uint64_t v;
    CHECK_RC(st, m, agpu_get_reg(m, lane, reg, &v));
    return PyLong_FromUnsignedLongLong(v);
}

static PyObject *Machine_set_lane_register(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane", "reg", "value", NULL};
    PyObject *lane_o, *reg_o, *val_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:set_lane_register", kw, &lane_o, &reg_o, &val_o))
        return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane;
    agpu_reg reg;
    uint64_t v;
    if (to_lane(st, m, lane_o, 0, &lane) || to_reg(st, reg_o, &reg) || to_u64(st, val_o, "value", K_VALUE, &v))
        return NULL;
    CHECK_RC(st, m, agpu_set_reg(m, lane, reg, v));
    Py_RETURN_NONE;
}

/* SIMD&FP registers: the C API moves 16 bytes; the module checks only the
 * Python-side types and the register number's range. */
static int to_vreg(PyObject *o, uint32_t *n)
{
    if (!PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "n must be an int (0 to 31), not %.100s", Py_TYPE(o)->tp_name);
        return -1;
    }
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_IndexError, "V register out of range (0 to 31)");
        }
        return -1;
    }
    if (v < 0 || v > 31) {
        PyErr_Format(PyExc_IndexError, "V register %lld out of range (0 to 31)", v);
        return -1;
    }
    *n = (uint32_t)v;
    return 0;
}

static PyObject *Machine_get_vreg(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane", "n", NULL};
    PyObject *lane_o, *n_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:get_vreg", kw, &lane_o, &n_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane, n;
    if (to_lane(st, m, lane_o, 0, &lane) || to_vreg(n_o, &n)) return NULL;
    unsigned char v[16];
    CHECK_RC(st, m, agpu_get_vreg(m, lane, n, v));
    return PyBytes_FromStringAndSize((const char *)v, 16);
}

static PyObject *Machine_set_vreg(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane", "n", "value", NULL};
    PyObject *lane_o, *n_o, *val_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:set_vreg", kw, &lane_o, &n_o, &val_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane, n;
    if (to_lane(st, m, lane_o, 0, &lane) || to_vreg(n_o, &n)) return NULL;
    unsigned char v[16];
    if (PyLong_Check(val_o)) {
        /* An int is the 128-bit value itself (Qn), stored little-endian. */
        PyObject *zero = PyLong_FromLong(0), *sixty4 = PyLong_FromLong(64), *hi_o = NULL;
        int neg = zero ? PyObject_RichCompareBool(val_o, zero, Py_LT) : -1;
        if (neg == 0 && sixty4) hi_o = PyNumber_Rshift(val_o, sixty4);
        Py_XDECREF(zero);
        Py_XDECREF(sixty4);
        if (neg < 0 || (neg == 0 && !hi_o)) {
            Py_XDECREF(hi_o);
            return NULL;
        }
        unsigned long long hi = 0;
        if (!neg) {
            hi = PyLong_AsUnsignedLongLong(hi_o);
            Py_DECREF(hi_o);
        }
        if (neg || (hi == (unsigned long long)-1 && PyErr_Occurred())) {
            PyErr_Clear();
            PyErr_SetString(PyExc_ValueError, "value must be a non-negative int below 2**128");
            return NULL;
        }
        unsigned long long lo = PyLong_AsUnsignedLongLongMask(val_o);
        for (int i = 0; i < 8; i++) {
            v[i] = (unsigned char)(lo >> (8 * i));
            v[8 + i] = (unsigned char)(hi >> (8 * i));
        }
    } else {
        bytes_arg b;
        if (get_bytes(st, val_o, "value", &b)) return NULL;
        if (b.len != 16) {
            PyErr_Format(PyExc_ValueError, "value must be 16 bytes (a whole Q register), got %zu", b.len);
            release_bytes(&b);
            return NULL;
        }
        memcpy(v, b.ptr, 16);
        release_bytes(&b);
    }
    CHECK_RC(st, m, agpu_set_vreg(m, lane, n, v));
    Py_RETURN_NONE;
}

static PyObject *Machine_get_lane_registers(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane_id", NULL};
    PyObject *lane_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:get_lane_registers", kw, &lane_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane;
    if (to_lane(st, m, lane_o, 0, &lane)) return NULL;
    uint64_t r[32];
    CHECK_RC(st, m, agpu_get_gprs(m, lane, r));
    PyObject *l = PyList_New(32);
    if (!l) return NULL;
    for (int i = 0; i < 32; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(r[i]);
        if (!v) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i, v);
    }
    return l;
}

static PyObject *Machine_set_registers_lane(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane_id", "registers", NULL};
    PyObject *lane_o, *regs_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:set_registers_lane", kw, &lane_o, &regs_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane;
    if (to_lane(st, m, lane_o, 0, &lane)) return NULL;
    uint64_t *v;
    if (get_u64s(st, regs_o, "registers", 32, &v)) return NULL;
    int rc = agpu_set_gprs(m, lane, v);
    PyMem_Free(v);
    CHECK_RC(st, m, rc);
    Py_RETURN_NONE;
}

static PyObject *Machine_get_register_all(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"reg", NULL};
    PyObject *reg_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:get_register_all", kw, &reg_o)) return NULL;
    GET_MACHINE(self, st, m);
    agpu_reg reg;
    if (to_reg(st, reg_o, &reg)) return NULL;
    uint32_t n = agpu_num_lanes(m);
    uint64_t *v = PyMem_Malloc((size_t)n * sizeof *v);
    if (!v) return PyErr_NoMemory();
    int rc = agpu_get_reg_all(m, reg, v);
    if (rc != AGPU_OK) {
        PyMem_Free(v);
        raise_agpu(st, rc, agpu_last_error(m));
        return NULL;
    }
    PyObject *a = u64_array(st, v, n);
    PyMem_Free(v);
    return a;
}

static PyObject *Machine_set_register_all(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"reg", "values", NULL};
    PyObject *reg_o, *vals_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:set_register_all", kw, &reg_o, &vals_o)) return NULL;
    GET_MACHINE(self, st, m);
    agpu_reg reg;
    if (to_reg(st, reg_o, &reg)) return NULL;
    uint64_t *v;
    if (get_u64s(st, vals_o, "values", agpu_num_lanes(m), &v)) return NULL;
    int rc = agpu_set_reg_all(m, reg, v);
    PyMem_Free(v);
    CHECK_RC(st, m, rc);
    Py_RETURN_NONE;
}

static PyObject *Machine_fill_register(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"reg", "value", NULL};
    PyObject *reg_o, *val_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:fill_register", kw, &reg_o, &val_o)) return NULL;
    GET_MACHINE(self, st, m);
    agpu_reg reg;
    uint64_t v;
    if (to_reg(st, reg_o, &reg) || to_u64(st, val_o, "value", K_VALUE, &v)) return NULL;
    CHECK_RC(st, m, agpu_fill_reg(m, reg, v));
    Py_RETURN_NONE;
}

static PyObject *Machine_set_pc_all(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"pc", NULL};
    PyObject *pc_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:set_pc_all", kw, &pc_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint64_t pc;
    if (to_u64(st, pc_o, "pc", K_ADDR, &pc)) return NULL;
    CHECK_RC(st, m, agpu_fill_reg(m, AGPU_REG_PC, pc));
    Py_RETURN_NONE;
}

static PyObject *Machine_set_pc_lane(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane_id", "pc", NULL};
    PyObject *lane_o, *pc_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:set_pc_lane", kw, &lane_o, &pc_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane;
    uint64_t pc;
    if (to_lane(st, m, lane_o, 0, &lane) || to_u64(st, pc_o, "pc", K_ADDR, &pc)) return NULL;
    CHECK_RC(st, m, agpu_set_reg(m, lane, AGPU_REG_PC, pc));
    Py_RETURN_NONE;
}

static PyObject *Machine_get_pc_lane(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane_id", NULL};
    PyObject *lane_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:get_pc_lane", kw, &lane_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane;
    if (to_lane(st, m, lane_o, 0, &lane)) return NULL;
    uint64_t v;
    CHECK_RC(st, m, agpu_get_reg(m, lane, AGPU_REG_PC, &v));
    return PyLong_FromUnsignedLongLong(v);
}

static PyObject *all_of(MachineObject *self, agpu_reg reg)
{
    GET_MACHINE(self, st, m);
    uint32_t n = agpu_num_lanes(m);
    uint64_t *v = PyMem_Malloc((size_t)n * sizeof *v);
    if (!v) return PyErr_NoMemory();
    int rc = agpu_get_reg_all(m, reg, v);
    if (rc != AGPU_OK) {
        PyMem_Free(v);
        raise_agpu(st, rc, agpu_last_error(m));
        return NULL;
    }
    PyObject *a = u64_array(st, v, n);
    PyMem_Free(v);
    return a;
}

static int set_all_of(MachineObject *self, agpu_reg reg, PyObject *value, const char *what)
{
    modstate *st = STATE(self);
    if (!st) return -1;
    agpu_machine *m = machine_of(self);
    if (!m) return -1;
    if (!value) {
        PyErr_Format(PyExc_AttributeError, "cannot delete %s", what);
        return -1;
    }
    uint64_t *v;
    if (get_u64s(st, value, what, agpu_num_lanes(m), &v)) return -1;
    int rc = agpu_set_reg_all(m, reg, v);
    PyMem_Free(v);
    if (rc != AGPU_OK) {
        raise_agpu(st, rc, agpu_last_error(m));
        return -1;
    }
    return 0;
}

static PyObject *Machine_get_pcs(MachineObject *self, void *c) { (void)c; return all_of(self, AGPU_REG_PC); }
static int Machine_set_pcs(MachineObject *self, PyObject *v, void *c) { (void)c; return set_all_of(self, AGPU_REG_PC, v, "pcs"); }
static PyObject *Machine_get_icounts(MachineObject *self, void *c) { (void)c; return all_of(self, AGPU_REG_ICOUNT); }
static PyObject *Machine_get_nzcvs(MachineObject *self, void *c) { (void)c; return all_of(self, AGPU_REG_NZCV); }
static int Machine_set_nzcvs(MachineObject *self, PyObject *v, void *c) { (void)c; return set_all_of(self, AGPU_REG_NZCV, v, "nzcvs"); }

/* ----- stops and execution */

static PyObject *Machine_get_stop(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"lane_id", NULL};
    PyObject *lane_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:get_stop", kw, &lane_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint32_t lane = 0;
    if (lane_o && to_lane(st, m, lane_o, 0, &lane)) return NULL;
    agpu_stop s;
    uint64_t pc;
    CHECK_RC(st, m, agpu_get_stop(m, lane, &s));
    CHECK_RC(st, m, agpu_get_reg(m, lane, AGPU_REG_PC, &pc));
    return new_stop(st, &s, pc);
}

/* Runs every lane with the GIL released; returns a new result of `tp`. */
static PyObject *run(MachineObject *self, PyObject *max_o, PyTypeObject *(*pick)(modstate *))
{
    GET_MACHINE(self, st, m);
    uint64_t budget = UINT64_MAX;
    if (max_o && max_o != Py_None && to_u64(st, max_o, "max_cycles", K_SIZE, &budget)) return NULL;
    uint32_t n = agpu_num_lanes(m);
    PyTypeObject *tp = pick(st);
    ResultObject *r = (ResultObject *)tp->tp_alloc(tp, 0);
    if (!r) return NULL;
    r->res = PyMem_RawMalloc((size_t)n * sizeof *r->res);
    if (!r->res) {
        Py_DECREF(r);
        return PyErr_NoMemory();
    }
    r->n = n;
    agpu_lane_result *res = r->res;
    double t0, t1;
    int rc;
    self->busy = 1;
    int slot = sigint_enter(m);
    Py_BEGIN_ALLOW_THREADS
    t0 = now_seconds();
    rc = agpu_execute(m, budget, res);
    t1 = now_seconds();
    Py_END_ALLOW_THREADS
    sigint_leave(slot);
    self->busy = 0;
    if (rc == AGPU_ERR_INTERRUPTED) {
        /* Ctrl-C: run Python's handler now (KeyboardInterrupt in the main
         * thread).  Otherwise interrupt() was called: report the lanes. */
        if (PyErr_CheckSignals() < 0) {
            Py_DECREF(r);
            return NULL;
        }
        r->interrupted = 1;
    } else if (rc != AGPU_OK) {
        Py_DECREF(r);
        raise_agpu(st, rc, agpu_last_error(m));
        return NULL;
    }
    r->elapsed = t1 - t0;
    for (uint32_t i = 0; i < n; i++) r->total += res[i].instructions;
    return (PyObject *)r;
}

static PyTypeObject *pick_parallel(modstate *st) { return st->ParallelResult_Type; }
static PyTypeObject *pick_exec(modstate *st) { return st->ExecutionResult_Type; }

static PyObject *Machine_execute(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"max_cycles", NULL};
    PyObject *max_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:execute", kw, &max_o)) return NULL;
    return run(self, max_o, pick_parallel);
}

/* ----- the register view */

typedef struct {
    PyObject_HEAD
    MachineObject *owner;
    int is_signed;
} RegisterViewObject;

static PyObject *new_register_view(MachineObject *self, int is_signed)
{
    GET_MACHINE(self, st, m);
    (void)m;
    RegisterViewObject *v = (RegisterViewObject *)st->RegisterView_Type->tp_alloc(st->RegisterView_Type, 0);
    if (!v) return NULL;
    v->owner = (MachineObject *)Py_NewRef(self);
    v->is_signed = is_signed;
    return (PyObject *)v;
}

static PyObject *Machine_get_registers(MachineObject *self, void *c)
{
    (void)c;
    return new_register_view(self, 0);
}

static PyObject *Machine_register_view(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"signed", NULL};
    int is_signed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$p:register_view", kw, &is_signed)) return NULL;
    return new_register_view(self, is_signed);
}

/* ----- MetalCPU: the one-lane prototype API */

static PyObject *MetalCPU_execute(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"max_cycles", NULL};
    PyObject *max_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:execute", kw, &max_o)) return NULL;
    PyObject *dflt = NULL;
    if (!max_o) max_o = dflt = PyLong_FromLong(100000); /* the prototype's default */
    if (!max_o) return NULL;
    PyObject *r = run(self, max_o, pick_exec);
    Py_XDECREF(dflt);
    return r;
}

static PyObject *MetalCPU_set_pc(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"pc", NULL};
    PyObject *pc_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:set_pc", kw, &pc_o)) return NULL;
    GET_MACHINE(self, st, m);
    uint64_t pc;
    if (to_u64(st, pc_o, "pc", K_ADDR, &pc)) return NULL;
    CHECK_RC(st, m, agpu_set_reg(m, 0, AGPU_REG_PC, pc));
    Py_RETURN_NONE;
}

static PyObject *lane0_reg(MachineObject *self, agpu_reg reg)
{
    GET_MACHINE(self, st, m);
    uint64_t v;
    CHECK_RC(st, m, agpu_get_reg(m, 0, reg, &v));
    return PyLong_FromUnsignedLongLong(v);
}

static int lane0_set(MachineObject *self, agpu_reg reg, PyObject *value, const char *what)
{
    modstate *st = STATE(self);
    if (!st) return -1;
    agpu_machine *m = machine_of(self);
    if (!m) return -1;
    if (!value) {
        PyErr_Format(PyExc_AttributeError, "cannot delete %s", what);
        return -1;
    }
    uint64_t v;
    if (to_u64(st, value, what, K_VALUE, &v)) return -1;
    int rc = agpu_set_reg(m, 0, reg, v);
    if (rc != AGPU_OK) {
        raise_agpu(st, rc, agpu_last_error(m));
        return -1;
    }
    return 0;
}

static PyObject *MetalCPU_get_pc(MachineObject *self, PyObject *unused) { (void)unused; return lane0_reg(self, AGPU_REG_PC); }
static PyObject *MetalCPU_pc_get(MachineObject *self, void *c) { (void)c; return lane0_reg(self, AGPU_REG_PC); }
static int MetalCPU_pc_set(MachineObject *self, PyObject *v, void *c) { (void)c; return lane0_set(self, AGPU_REG_PC, v, "pc"); }
static PyObject *MetalCPU_nzcv_get(MachineObject *self, void *c) { (void)c; return lane0_reg(self, AGPU_REG_NZCV); }
static int MetalCPU_nzcv_set(MachineObject *self, PyObject *v, void *c) { (void)c; return lane0_set(self, AGPU_REG_NZCV, v, "nzcv"); }
static PyObject *MetalCPU_total_get(MachineObject *self, void *c) { (void)c; return lane0_reg(self, AGPU_REG_ICOUNT); }

static PyObject *MetalCPU_get_register(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"reg", NULL};
    PyObject *reg_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:get_register", kw, &reg_o)) return NULL;
    GET_MACHINE(self, st, m);
    agpu_reg reg;
    if (to_reg(st, reg_o, &reg)) return NULL;
    uint64_t v;
    CHECK_RC(st, m, agpu_get_reg(m, 0, reg, &v));
    return PyLong_FromLongLong((long long)v); /* signed, as the prototype returned it */
}

static PyObject *MetalCPU_set_register(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"reg", "value", NULL};
    PyObject *reg_o, *val_o;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:set_register", kw, &reg_o, &val_o)) return NULL;
    GET_MACHINE(self, st, m);
    agpu_reg reg;
    uint64_t v;
    if (to_reg(st, reg_o, &reg) || to_u64(st, val_o, "value", K_VALUE, &v)) return NULL;
    CHECK_RC(st, m, agpu_set_reg(m, 0, reg, v));
    Py_RETURN_NONE;
}

static PyObject *MetalCPU_get_registers(MachineObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *args = Py_BuildValue("(i)", 0);
    if (!args) return NULL;
    PyObject *r = Machine_get_lane_registers(self, args, NULL);
    Py_DECREF(args);
    return r;
}

static PyObject *MetalCPU_set_registers(MachineObject *self, PyObject *regs)
{
    PyObject *args = Py_BuildValue("(iO)", 0, regs);
    if (!args) return NULL;
    PyObject *r = Machine_set_registers_lane(self, args, NULL);
    Py_DECREF(args);
    return r;
}

static PyObject *MetalCPU_reset(MachineObject *self, PyObject *unused)
{
    (void)unused;
    GET_MACHINE(self, st, m);
    uint64_t zero[32] = {0};
    CHECK_RC(st, m, agpu_set_gprs(m, 0, zero));
    static const agpu_reg regs[] = {AGPU_REG_PC, AGPU_REG_NZCV, AGPU_REG_ICOUNT};
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) CHECK_RC(st, m, agpu_set_reg(m, 0, regs[i], 0));
    Py_RETURN_NONE;
}

/* ----- method tables and docs */

#define KW (METH_VARARGS | METH_KEYWORDS)

static PyMethodDef Machine_methods[] = {
    {"close", (PyCFunction)Machine_close, METH_NOARGS,
     "close($self, /)\n--\n\nFrees the machine.  Later calls raise MachineClosedError; closing twice is a "
     "no-op.\nBuffer views of the registers that are still held stay valid: the memory is freed\nwhen the "
     "last one is released."},
    {"__enter__", (PyCFunction)Machine_enter, METH_NOARGS, "__enter__($self, /)\n--\n\nReturns self."},
    {"__exit__", (PyCFunction)Machine_exit, METH_VARARGS, "__exit__($self, *exc_info, /)\n--\n\nCalls close()."},
    {"interrupt", (PyCFunction)Machine_interrupt, METH_NOARGS,
     "interrupt($self, /)\n--\n\nAsks execute() to return soon: the one running (in another thread), or "
     "else the next\none, which then returns at once.  Lanes that had not stopped report\n"
     "StopReason.INTERRUPTED with exact state and resume on the next execute().\nThe request is used up by "
     "the execute() it stops.  Safe to call from any thread."},
    {"get_num_lanes", (PyCFunction)Machine_get_num_lanes_meth, METH_NOARGS,
     "get_num_lanes($self, /)\n--\n\nThe number of lanes (the prototype's spelling of num_lanes)."},
    {"load_program", (PyCFunction)(void (*)(void))Machine_load_program, KW,
     "load_program($self, /, program, address=0)\n--\n\nCopies program bytes to guest memory at address "
     "(every lane's copy when the\naddress is in private memory).  program is bytes, bytearray, memoryview, "
     "any\ncontiguous buffer, or a list of ints 0..255."},
    {"write_memory", (PyCFunction)(void (*)(void))Machine_write_memory, KW,
     "write_memory($self, /, address, data, lane=None)\n--\n\nCopies data (bytes-like or a list of ints "
     "0..255) to guest memory.  In the\nprivate region, lane selects whose copy; None writes every lane's."},
    {"read_memory", (PyCFunction)(void (*)(void))Machine_read_memory, KW,
     "read_memory($self, /, address, size, lane=None)\n--\n\nReturns size bytes of guest memory from "
     "address as bytes.  Reading the private\nregion needs a lane."},
    {"read_memory_into", (PyCFunction)(void (*)(void))Machine_read_memory_into, KW,
     "read_memory_into($self, /, address, buffer, lane=None)\n--\n\nFills a writable buffer (bytearray, "
     "numpy array, ...) with guest memory from\naddress; returns the number of bytes read."},
    {"read_memory_64", (PyCFunction)(void (*)(void))Machine_read_memory_64, KW,
     "read_memory_64($self, /, address, lane=None)\n--\n\nThe little-endian 64-bit value at address."},
    {"read_memory_32", (PyCFunction)(void (*)(void))Machine_read_memory_32, KW,
     "read_memory_32($self, /, address, lane=None)\n--\n\nThe little-endian 32-bit value at address."},
    {"write_memory_64", (PyCFunction)(void (*)(void))Machine_write_memory_64, KW,
     "write_memory_64($self, /, address, value, lane=None)\n--\n\nStores a 64-bit value (signed or unsigned) "
     "at address, little-endian."},
    {"write_memory_32", (PyCFunction)(void (*)(void))Machine_write_memory_32, KW,
     "write_memory_32($self, /, address, value, lane=None)\n--\n\nStores a 32-bit value at address, "
     "little-endian."},
    {"write_memory_u32", (PyCFunction)(void (*)(void))Machine_write_memory_32, KW,
     "write_memory_u32($self, /, address, value, lane=None)\n--\n\nThe prototype's name for write_memory_32()."},
    {"protect", (PyCFunction)(void (*)(void))Machine_protect, KW,
     "protect($self, /, address, size, prot, lane=None)\n--\n\nSets the permissions (a Prot) of whole "
     "pages [address, address+size); lanes\nthat access them against the permissions stop with a FAULT.  "
     "In the private\nregion lane changes one lane's pages only; None changes every lane's.  The\nshared "
     "region has one set for all lanes: lane must be None there."},
    {"get_protection", (PyCFunction)(void (*)(void))Machine_get_protection, KW,
     "get_protection($self, /, address, lane=None)\n--\n\nThe permissions (a Prot) of the page holding "
     "address, as lane sees it.\nWith None, a private page whose lanes differ raises StateError."},
    {"get_lane_register", (PyCFunction)(void (*)(void))Machine_get_lane_register, KW,
     "get_lane_register($self, /, lane, reg)\n--\n\nOne register of one lane, unsigned.  reg is an int or "
     "Reg (0..37) or a name:\n'x0'..'x30', 'fp', 'lr', 'sp', 'pc', 'nzcv', 'tpidr_el0', 'fpcr', 'fpsr', "
     "'icount'."},
    {"set_lane_register", (PyCFunction)(void (*)(void))Machine_set_lane_register, KW,
     "set_lane_register($self, /, lane, reg, value)\n--\n\nSets one register of one lane (negative values "
     "are stored in two's complement)."},
    {"get_vreg", (PyCFunction)(void (*)(void))Machine_get_vreg, KW,
     "get_vreg($self, /, lane, n)\n--\n\nSIMD&FP register Vn (n 0..31) of one lane: 16 bytes, little-endian "
     "(Bn, Hn, Sn, Dn are\nits first 1, 2, 4, 8 bytes).  FPCR and FPSR are registers 'fpcr' and 'fpsr'."},
    {"set_vreg", (PyCFunction)(void (*)(void))Machine_set_vreg, KW,
     "set_vreg($self, /, lane, n, value)\n--\n\nSets Vn of one lane from 16 bytes (any buffer or list of "
     "ints) or from an int\nbelow 2**128 (the Q value)."},
    {"get_lane_registers", (PyCFunction)(void (*)(void))Machine_get_lane_registers, KW,
     "get_lane_registers($self, /, lane_id)\n--\n\nX0..X30 and SP of one lane: a list of 32 unsigned ints."},
    {"set_registers_lane", (PyCFunction)(void (*)(void))Machine_set_registers_lane, KW,
     "set_registers_lane($self, /, lane_id, registers)\n--\n\nSets X0..X30 and SP of one lane from 32 ints "
     "(a list, or a buffer of 64-bit ints)."},
    {"get_register_all", (PyCFunction)(void (*)(void))Machine_get_register_all, KW,
     "get_register_all($self, /, reg)\n--\n\nOne register of every lane: an array.array('Q') of num_lanes "
     "values."},
    {"set_register_all", (PyCFunction)(void (*)(void))Machine_set_register_all, KW,
     "set_register_all($self, /, reg, values)\n--\n\nSets one register of every lane from num_lanes values: "
     "any buffer of 64-bit\nints (numpy uint64/int64, array('Q')) or a sequence of ints."},
    {"fill_register", (PyCFunction)(void (*)(void))Machine_fill_register, KW,
     "fill_register($self, /, reg, value)\n--\n\nSets one register of every lane to the same value."},
    {"set_pc_all", (PyCFunction)(void (*)(void))Machine_set_pc_all, KW,
     "set_pc_all($self, /, pc)\n--\n\nSets every lane's PC."},
    {"set_pc_lane", (PyCFunction)(void (*)(void))Machine_set_pc_lane, KW,
     "set_pc_lane($self, /, lane_id, pc)\n--\n\nSets one lane's PC."},
    {"get_pc_lane", (PyCFunction)(void (*)(void))Machine_get_pc_lane, KW,
     "get_pc_lane($self, /, lane_id)\n--\n\nOne lane's PC."},
    {"get_stop", (PyCFunction)(void (*)(void))Machine_get_stop, KW,
     "get_stop($self, /, lane_id=0)\n--\n\nThe stop record (a Stop) of one lane from the last execute()."},
    {"execute", (PyCFunction)(void (*)(void))Machine_execute, KW,
     "execute($self, /, max_cycles)\n--\n\nRuns every lane until it stops (HLT, SVC, BRK, a fault, an "
     "undefined\ninstruction) or retires max_cycles instructions (None: no limit); returns a\nParallelResult. "
     " The GIL is released while lanes run; Ctrl-C stops the run\ncleanly (lanes keep exact state) and raises "
     "KeyboardInterrupt.  Lanes resume\nfrom where they stopped on the next call."},
    {"register_view", (PyCFunction)(void (*)(void))Machine_register_view, KW,
     "register_view($self, /, *, signed=False)\n--\n\nThe registers property, with int64 items when signed "
     "is true."},
    {NULL},
};

static PyGetSetDef Machine_getset[] = {
    {"closed", (getter)Machine_get_closed, NULL, "True after close().", NULL},
    {"backend", (getter)Machine_get_backend, NULL, "The backend the machine runs on: 'cpu' or 'cuda'.", NULL},
    {"num_lanes", (getter)Machine_get_num_lanes, NULL, "Number of lanes.", NULL},
    {"memory_size", (getter)Machine_get_memory_size, NULL, "Bytes of shared guest memory, mapped at address 0.",
     NULL},
    {"private_base", (getter)Machine_get_private_base, NULL, "Guest address of each lane's private region.",
     NULL},
    {"private_size", (getter)Machine_get_private_size, NULL, "Bytes of private memory per lane (0: none).", NULL},
    {"registers", (getter)Machine_get_registers, NULL,
     "X0..X30 and SP of every lane as a RegisterView: a buffer of shape\n(num_lanes, 32) of uint64.  On the cpu "
     "backend numpy.asarray(m.registers)\nshares memory with the machine (writes go straight to the lanes); "
     "on\nbackends that keep state on a device it is a read-only snapshot.",
     NULL},
    {"pcs", (getter)Machine_get_pcs, (setter)Machine_set_pcs,
     "Every lane's PC: an array.array('Q') copy; assign any sequence or buffer of\nnum_lanes ints to set them.",
     NULL},
    {"nzcvs", (getter)Machine_get_nzcvs, (setter)Machine_set_nzcvs,
     "Every lane's NZCV (N,Z,C,V in bits 31..28): an array.array('Q'); assignable.", NULL},
    {"instruction_counts", (getter)Machine_get_icounts, NULL,
     "Instructions each lane retired since the machine was created: array.array('Q').", NULL},
    {NULL},
};

static PyMemberDef Machine_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(MachineObject, weakreflist), READONLY, NULL},
    {NULL},
};

PyDoc_STRVAR(Machine_doc,
"Machine(num_lanes=1, memory_size=4194304, *, private_base=0, private_size=0, backend='auto', num_threads=0)\n"
"--\n\n"
"A machine of num_lanes emulated AArch64 CPUs (lanes) sharing memory_size bytes\n"
"of guest memory at address 0, and optionally private_size bytes per lane at\n"
"private_base (sizes and bases are multiples of PAGE_SIZE).  backend is 'auto'\n"
"(cuda when a usable GPU is present, else cpu), 'cpu' or 'cuda'; num_threads\n"
"is the cpu backend's worker count (0: one per core; results never depend\n"
"on it).\n\n"
"Load code with load_program(), set PCs and registers, then execute(); read\n"
"back each lane's stop record, PC and registers, act, and execute() again.\n"
"Use as a context manager, or call close(), to free it deterministically.");

static PyType_Slot Machine_slots[] = {
    {Py_tp_dealloc, Machine_dealloc},
    {Py_tp_init, Machine_init},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_repr, Machine_repr},
    {Py_tp_methods, Machine_methods},
    {Py_tp_getset, Machine_getset},
    {Py_tp_members, Machine_members},
    {Py_tp_doc, (void *)Machine_doc},
    {0, NULL},
};

static PyType_Spec Machine_spec = {
    .name = "armgpu.Machine",
    .basicsize = sizeof(MachineObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Machine_slots,
};

/* ---------------------------------------------------- Linux programs */

static PyStructSequence_Field ProgramResult_fields[] = {
    {"stdout", "bytes the lane wrote to fd 1"},
    {"stderr", "bytes the lane wrote to fd 2"},
    {"exit_code", "as subprocess reports it: the exit status, or -N when signal N ended the lane"},
    {"signal", "the signal that ended the lane, else 0"},
    {"status", "'exited', 'signaled' or 'running' (the instruction budget ran out)"},
    {"instructions", "instructions the lane retired"},
    {"syscalls", "system calls the lane made"},
    {"stop", "for a lane a fault, undefined instruction or BRK ended: that stop, as a string; else None"},
    {NULL, NULL},
};

static PyStructSequence_Desc ProgramResult_desc = {
    "armgpu.ProgramResult",
    "One lane's outcome of ParallelMetalCPU.run_program().",
    ProgramResult_fields,
    8,
};

/* A list of str (every lane), or a list of such lists (one per lane):
 * fills a NULL-terminated UTF-8 array per lane (lanes[i] borrows from the
 * Python objects, which must outlive it).  Returns 0, or -1 with an
 * exception. */
static int strv_of(modstate *st, PyObject *o, const char *what, const char **out, Py_ssize_t cap)
{
    if (!PyList_Check(o) && !PyTuple_Check(o)) {
        PyErr_Format(st->InvalidArgumentError, "%s must be a list of str", what);
        return -1;
    }
    Py_ssize_t n = PySequence_Size(o);
    if (n >= cap) {
        PyErr_Format(st->InvalidArgumentError, "%s has %zd strings; at most %zd", what, n, cap - 1);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PySequence_Fast_GET_ITEM(o, i);
        if (!PyUnicode_Check(s)) {
            PyErr_Format(st->InvalidArgumentError, "%s[%zd] is not a str", what, i);
            return -1;
        }
        if (!(out[i] = PyUnicode_AsUTF8(s))) return -1;
    }
    out[n] = NULL;
    return 0;
}

#define STRV_CAP 4096

/* Sets argv (env == 0) or the environment of lane (or every lane) from o. */
static int set_strings(modstate *st, agpu_linux *p, uint32_t lane, PyObject *o, int env)
{
    const char **v = PyMem_Malloc(STRV_CAP * sizeof *v);
    if (!v) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *list = o, *items = NULL;
    int rc = -1;
    if (env && PyDict_Check(o)) { /* {"NAME": "value"} */
        items = PyList_New(0);
        PyObject *k, *val;
        Py_ssize_t pos = 0;
        while (items && PyDict_Next(o, &pos, &k, &val)) {
            PyObject *kv = PyUnicode_FromFormat("%S=%S", k, val);
            if (!kv || PyList_Append(items, kv) < 0) {
                Py_XDECREF(kv);
                Py_CLEAR(items);
                break;
            }
            Py_DECREF(kv);
        }
        if (!items) goto out;
        list = items;
    }
    if (strv_of(st, list, env ? "env" : "argv", v, STRV_CAP) < 0) goto out;
    int r = env ? agpu_linux_set_env(p, lane, v) : agpu_linux_set_args(p, lane, v);
    if (r) {
        raise_agpu(st, r, agpu_last_error(agpu_linux_machine(p)));
        goto out;
    }
    rc = 0;
out:
    Py_XDECREF(items);
    PyMem_Free(v);
    return rc;
}

/* argv/env: one list for every lane, or a list of num_lanes lists. */
static int per_lane_strings(modstate *st, agpu_linux *p, uint32_t n, PyObject *o, int env)
{
    if (!o || o == Py_None) return 0;
    if ((PyList_Check(o) || PyTuple_Check(o)) && PySequence_Size(o) > 0) {
        PyObject *first = PySequence_Fast_GET_ITEM(o, 0);
        if (PyList_Check(first) || PyTuple_Check(first) || PyDict_Check(first)) {
            if (PySequence_Size(o) != (Py_ssize_t)n) {
                PyErr_Format(st->InvalidArgumentError, "%s has %zd per-lane entries; the machine has %u lanes",
                             env ? "env" : "argv", PySequence_Size(o), n);
                return -1;
            }
            for (uint32_t l = 0; l < n; l++)
                if (set_strings(st, p, l, PySequence_Fast_GET_ITEM(o, l), env) < 0) return -1;
            return 0;
        }
    }
    return set_strings(st, p, AGPU_ALL_LANES, o, env);
}

static int set_stdin(modstate *st, agpu_linux *p, uint32_t lane, PyObject *o)
{
    Py_buffer b;
    if (PyUnicode_Check(o)) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(o, &len);
        if (!s) return -1;
        int r = agpu_linux_set_stdin(p, lane, s, (size_t)len);
        if (r) raise_agpu(st, r, agpu_last_error(agpu_linux_machine(p)));
        return r ? -1 : 0;
    }
    if (PyObject_GetBuffer(o, &b, PyBUF_SIMPLE) < 0) return -1;
    int r = agpu_linux_set_stdin(p, lane, b.buf, (size_t)b.len);
    PyBuffer_Release(&b);
    if (r) raise_agpu(st, r, agpu_last_error(agpu_linux_machine(p)));
    return r ? -1 : 0;
}

static PyObject *program_result(modstate *st, agpu_linux *p, uint32_t l)
{
    agpu_linux_result r;
    if (agpu_linux_result_of(p, l, &r)) {
        raise_agpu(st, AGPU_ERR_LANE_RANGE, agpu_last_error(agpu_linux_machine(p)));
        return NULL;
    }
    PyObject *o = PyStructSequence_New(st->ProgramResult_Type);
    if (!o) return NULL;
    const char *status = r.status == AGPU_LINUX_EXITED ? "exited" : r.status == AGPU_LINUX_SIGNALED ? "signaled" : "running";
    PyObject *stop = Py_None;
    char buf[256];
    if (r.stop.reason != AGPU_STOP_NONE && r.stop.reason != AGPU_STOP_MAX_CYCLES) {
        agpu_format_stop(&r.stop, r.stop_pc, buf, sizeof buf);
        stop = PyUnicode_FromString(buf);
    } else {
        Py_INCREF(stop);
    }
    PyObject *v[8] = {
        PyBytes_FromStringAndSize((const char *)r.out, (Py_ssize_t)r.out_len),
        PyBytes_FromStringAndSize((const char *)r.err, (Py_ssize_t)r.err_len),
        PyLong_FromLong(r.status == AGPU_LINUX_SIGNALED ? -r.signal : r.exit_code),
        PyLong_FromLong(r.signal),
        PyUnicode_FromString(status),
        PyLong_FromUnsignedLongLong(r.instructions),
        PyLong_FromUnsignedLongLong(r.syscalls),
        stop,
    };
    for (int i = 0; i < 8; i++) {
        if (!v[i]) {
            for (int j = 0; j < 8; j++) Py_XDECREF(v[j]);
            Py_DECREF(o);
            return NULL;
        }
    }
    for (int i = 0; i < 8; i++) PyStructSequence_SetItem(o, i, v[i]);
    return o;
}

static PyObject *Parallel_run_program(MachineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"path", "argv", "env", "stdin", "files", "max_instructions", "seed", NULL};
    PyObject *path_o, *argv_o = NULL, *env_o = NULL, *stdin_o = NULL, *files_o = NULL, *max_o = NULL,
             *seed_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|OO$OOOO:run_program", kw, PyUnicode_FSConverter, &path_o,
                                     &argv_o, &env_o, &stdin_o, &files_o, &max_o, &seed_o))
        return NULL;
    modstate *st = STATE(self);
    agpu_machine *m = st ? machine_of(self) : NULL;
    if (!m) {
        Py_DECREF(path_o);
        return NULL;
    }
    agpu_linux_config cfg;
    agpu_linux_config_init(&cfg);
    cfg.num_lanes = agpu_num_lanes(m);
    cfg.backend = agpu_machine_backend(m);
    uint64_t budget = UINT64_MAX;
    if ((max_o && max_o != Py_None && to_u64(st, max_o, "max_instructions", K_SIZE, &budget)) ||
        (seed_o && to_u64(st, seed_o, "seed", K_SIZE, &cfg.seed))) {
        Py_DECREF(path_o);
        return NULL;
    }
    agpu_linux *p = NULL;
    int rc;
    const char *path = PyBytes_AS_STRING(path_o);
    Py_BEGIN_ALLOW_THREADS
    rc = agpu_linux_create_file(path, &cfg, &p);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_o);
    if (rc) {
        raise_agpu(st, rc, agpu_last_error(NULL));
        return NULL;
    }
    PyObject *list = NULL;
    uint32_t n = cfg.num_lanes;
    if (per_lane_strings(st, p, n, argv_o, 0) < 0 || per_lane_strings(st, p, n, env_o, 1) < 0) goto out;
    if (stdin_o && stdin_o != Py_None) {
        if (PyList_Check(stdin_o) || PyTuple_Check(stdin_o)) {
            if (PySequence_Size(stdin_o) != (Py_ssize_t)n) {
                PyErr_Format(st->InvalidArgumentError, "stdin has %zd entries; the machine has %u lanes",
                             PySequence_Size(stdin_o), n);
                goto out;
            }
            for (uint32_t l = 0; l < n; l++)
                if (set_stdin(st, p, l, PySequence_Fast_GET_ITEM(stdin_o, l)) < 0) goto out;
        } else if (set_stdin(st, p, AGPU_ALL_LANES, stdin_o) < 0) {
            goto out;
        }
    }
    if (files_o && files_o != Py_None) {
        if (!PyDict_Check(files_o)) {
            PyErr_SetString(st->InvalidArgumentError, "files must be a dict {guest_path: host_path}");
            goto out;
        }
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(files_o, &pos, &k, &v)) {
            const char *g = PyUnicode_Check(k) ? PyUnicode_AsUTF8(k) : NULL;
            const char *h = PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
            if (!g || !h) {
                if (!PyErr_Occurred()) PyErr_SetString(st->InvalidArgumentError, "files: keys and values must be str");
                goto out;
            }
            if ((rc = agpu_linux_map_file(p, g, h))) {
                raise_agpu(st, rc, agpu_last_error(agpu_linux_machine(p)));
                goto out;
            }
        }
    }
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    rc = agpu_linux_run(p, budget);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (rc) {
        raise_agpu(st, rc, agpu_last_error(agpu_linux_machine(p)));
        goto out;
    }
    if (!(list = PyList_New(n))) goto out;
    for (uint32_t l = 0; l < n; l++) {
        PyObject *r = program_result(st, p, l);
        if (!r) {
            Py_CLEAR(list);
            goto out;
        }
        PyList_SET_ITEM(list, l, r);
    }
out:
    agpu_linux_destroy(p);
    return list;
}

static PyMethodDef Parallel_methods[] = {
    {"run_program", (PyCFunction)(void (*)(void))Parallel_run_program, METH_VARARGS | METH_KEYWORDS,
     "run_program($self, /, path, argv=None, env=None, *, stdin=None, files=None, max_instructions=None, seed=0)\n"
     "--\n\n"
     "Runs the static AArch64 Linux ELF program at path on every lane, each in\n"
     "a machine of its own sized for the program (this machine's lane count and\n"
     "backend), and returns a list of ProgramResult, one per lane (stdout,\n"
     "stderr, exit_code as subprocess reports it, signal, status, instructions,\n"
     "syscalls, stop).\n\n"
     "argv and env: a list of str for every lane, or a list of such lists, one\n"
     "per lane (env may also be a dict).  Default argv is [path], env empty.\n"
     "stdin: bytes or str for every lane, or a list with one per lane.\n"
     "files: {guest_path: host_path}, host files the program may open,\n"
     "read-only.  Releases the GIL while lanes run."},
    {NULL},
};

PyDoc_STRVAR(Parallel_doc,
"ParallelMetalCPU(num_lanes=32, memory_size=4194304, *, private_base=0, private_size=0, backend='auto', "
"num_threads=0)\n--\n\n"
"The prototype's many-lane machine: a Machine with 32 lanes by default.\n\n"
"    cpu = ParallelMetalCPU(num_lanes=32)\n"
"    cpu.load_program(program_bytes, address=0)\n"
"    cpu.set_pc_all(0)\n"
"    result = cpu.execute(10_000_000)   # per-lane instruction budget\n"
"    print(result.total_cycles, result.avg_ips(), result.lane_efficiency())");

static PyType_Slot Parallel_slots[] = {
    {Py_tp_init, Parallel_init},
    {Py_tp_methods, Parallel_methods},
    {Py_tp_doc, (void *)Parallel_doc},
    {0, NULL},
};

static PyType_Spec Parallel_spec = {
    .name = "armgpu.ParallelMetalCPU",
    .basicsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Parallel_slots,
};

static PyMethodDef MetalCPU_methods[] = {
    {"execute", (PyCFunction)(void (*)(void))MetalCPU_execute, KW,
     "execute($self, /, max_cycles=100000)\n--\n\nRuns the lane until it stops or retires max_cycles "
     "instructions (None: no\nlimit); returns an ExecutionResult (cycles, ips, stop_reason, "
     "stop_reason_name,\nfinal_pc, stop).  Releases the GIL; Ctrl-C raises KeyboardInterrupt."},
    {"set_pc", (PyCFunction)(void (*)(void))MetalCPU_set_pc, KW, "set_pc($self, /, pc)\n--\n\nSets the PC."},
    {"get_pc", (PyCFunction)MetalCPU_get_pc, METH_NOARGS, "get_pc($self, /)\n--\n\nThe PC."},
    {"get_register", (PyCFunction)(void (*)(void))MetalCPU_get_register, KW,
     "get_register($self, /, reg)\n--\n\nOne register as a signed 64-bit int, as the prototype returned it.  "
     "reg is\n0..31 (X0..X30, SP), a Reg, or a name ('x0', 'sp', 'pc', 'nzcv', ...)."},
    {"set_register", (PyCFunction)(void (*)(void))MetalCPU_set_register, KW,
     "set_register($self, /, reg, value)\n--\n\nSets one register (signed or unsigned value)."},
    {"get_registers", (PyCFunction)MetalCPU_get_registers, METH_NOARGS,
     "get_registers($self, /)\n--\n\nX0..X30 and SP: a list of 32 unsigned ints."},
    {"set_registers", (PyCFunction)MetalCPU_set_registers, METH_O,
     "set_registers($self, registers, /)\n--\n\nSets X0..X30 and SP from 32 ints."},
    {"reset", (PyCFunction)MetalCPU_reset, METH_NOARGS,
     "reset($self, /)\n--\n\nZeroes X0..X30, SP, PC, NZCV and the instruction count (memory is kept)."},
    {NULL},
};

static PyGetSetDef MetalCPU_getset[] = {
    {"pc", (getter)MetalCPU_pc_get, (setter)MetalCPU_pc_set, "The PC (read and write).", NULL},
    {"nzcv", (getter)MetalCPU_nzcv_get, (setter)MetalCPU_nzcv_set, "NZCV, with N,Z,C,V in bits 31..28.", NULL},
    {"total_instructions", (getter)MetalCPU_total_get, NULL, "Instructions retired since creation or reset().",
     NULL},
    {NULL},
};

PyDoc_STRVAR(MetalCPU_doc,
"MetalCPU(memory_size=4194304, *, private_base=0, private_size=0, backend='auto', num_threads=0)\n--\n\n"
"The prototype's one-lane machine: a Machine with one lane and single-CPU\n"
"conveniences (set_pc, get_register, pc, nzcv, reset).\n\n"
"    cpu = MetalCPU(memory_size=4*1024*1024)\n"
"    cpu.load_program(program_bytes, address=0)\n"
"    cpu.set_pc(0)\n"
"    result = cpu.execute(max_cycles=100_000_000)\n"
"    print(result.cycles, result.stop_reason_name)");

static PyType_Slot MetalCPU_slots[] = {
    {Py_tp_init, MetalCPU_init},
    {Py_tp_methods, MetalCPU_methods},
    {Py_tp_getset, MetalCPU_getset},
    {Py_tp_doc, (void *)MetalCPU_doc},
    {0, NULL},
};

static PyType_Spec MetalCPU_spec = {
    .name = "armgpu.MetalCPU",
    .basicsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = MetalCPU_slots,
};

/* ============================================================ RegisterView */

typedef struct {
    Py_ssize_t shape[2];
    Py_ssize_t strides[2];
    uint64_t *snapshot; /* backends without host state: a copy */
} export_info;

static int RegisterView_getbuffer(RegisterViewObject *self, Py_buffer *view, int flags)
{
    MachineObject *owner = self->owner;
    modstate *st = STATE(self);
    if (!st) return -1;
    if (!owner->m || owner->closed) {
        PyErr_SetString(st->MachineClosedError, "operation on a closed machine");
        return -1;
    }
    if (owner->busy) {
        PyErr_SetString(st->MachineBusyError, "machine is executing in another thread");
        return -1;
    }
    agpu_machine *m = owner->m;
    uint32_t n = agpu_num_lanes(m);
    export_info *info = PyMem_Calloc(1, sizeof *info);
    if (!info) {
        PyErr_NoMemory();
        return -1;
    }
    size_t stride = 0;
    uint64_t *base = agpu_gpr_view(m, &stride);
    info->shape[0] = n;
    info->shape[1] = 32;
    int readonly = 0;
    if (base) {
        info->strides[0] = (Py_ssize_t)(stride * sizeof(uint64_t));
        info->strides[1] = sizeof(uint64_t);
        if (stride != 32 && (flags & PyBUF_STRIDES) != PyBUF_STRIDES) {
            PyMem_Free(info);
            PyErr_SetString(PyExc_BufferError,
                            "the register file is strided (lanes hold more than X0..SP): ask for a strided "
                            "buffer (numpy and memoryview do)");
            return -1;
        }
    } else {
        /* The backend keeps state off the host: export a read-only copy. */
        if (flags & PyBUF_WRITABLE) {
            PyMem_Free(info);
            PyErr_Format(PyExc_BufferError,
                         "the %s backend keeps registers on the device: the register view is a read-only "
                         "snapshot (set registers with set_registers_lane or set_register_all)",
                         agpu_backend_name(agpu_machine_backend(m)));
            return -1;
        }
        info->snapshot = PyMem_Malloc((size_t)n * 32 * sizeof(uint64_t) + 1);
        if (!info->snapshot) {
            PyMem_Free(info);
            PyErr_NoMemory();
            return -1;
        }
        for (uint32_t l = 0; l < n; l++) {
            int rc = agpu_get_gprs(m, l, info->snapshot + (size_t)l * 32);
            if (rc != AGPU_OK) {
                raise_agpu(st, rc, agpu_last_error(m));
                PyMem_Free(info->snapshot);
                PyMem_Free(info);
                return -1;
            }
        }
        base = info->snapshot;
        info->strides[0] = 32 * sizeof(uint64_t);
        info->strides[1] = sizeof(uint64_t);
        readonly = 1;
    }
    view->obj = Py_NewRef(self);
    view->buf = base;
    view->len = (Py_ssize_t)n * 32 * (Py_ssize_t)sizeof(uint64_t);
    view->readonly = readonly;
    view->itemsize = sizeof(uint64_t);
    view->format = (flags & PyBUF_FORMAT) ? (char *)(self->is_signed ? "q" : "Q") : NULL;
    view->ndim = 2;
    view->shape = (flags & PyBUF_ND) == PyBUF_ND ? info->shape : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? info->strides : NULL;
    view->suboffsets = NULL;
    view->internal = info;
    if (!view->shape) view->ndim = 1; /* PyBUF_SIMPLE on a contiguous snapshot */
    owner->exports++;
    return 0;
}

static void RegisterView_releasebuffer(RegisterViewObject *self, Py_buffer *view)
{
    export_info *info = view->internal;
    if (info) {
        PyMem_Free(info->snapshot);
        PyMem_Free(info);
    }
    MachineObject *owner = self->owner;
    if (--owner->exports == 0 && owner->closed) machine_destroy(owner);
}

static int RegisterView_traverse(RegisterViewObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->owner);
    return 0;
}

static int RegisterView_clear(RegisterViewObject *self)
{
    Py_CLEAR(self->owner);
    return 0;
}

static void RegisterView_dealloc(RegisterViewObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    RegisterView_clear(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static Py_ssize_t RegisterView_len(RegisterViewObject *self)
{
    if (!self->owner) return 0;
    agpu_machine *m = machine_of(self->owner);
    if (!m) return -1;
    return agpu_num_lanes(m);
}

static PyObject *RegisterView_item(RegisterViewObject *self, Py_ssize_t i)
{
    if (!self->owner) {
        PyErr_SetString(PyExc_ValueError, "register view has no machine");
        return NULL;
    }
    PyObject *args = Py_BuildValue("(n)", i);
    if (!args) return NULL;
    PyObject *r = Machine_get_lane_registers(self->owner, args, NULL);
    Py_DECREF(args);
    return r;
}

static PyObject *RegisterView_repr(RegisterViewObject *self)
{
    if (!self->owner || !self->owner->m || self->owner->closed) return PyUnicode_FromString("<armgpu.RegisterView of a closed machine>");
    return PyUnicode_FromFormat("<armgpu.RegisterView %u lanes x 32 %s>", agpu_num_lanes(self->owner->m),
                                self->is_signed ? "int64" : "uint64");
}

static PyObject *RegisterView_get_machine(RegisterViewObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->owner ? (PyObject *)self->owner : Py_None);
}

static PyGetSetDef RegisterView_getset[] = {
    {"machine", (getter)RegisterView_get_machine, NULL, "The machine this view belongs to.", NULL},
    {NULL},
};

PyDoc_STRVAR(RegisterView_doc,
"X0..X30 and SP of every lane, through the buffer protocol: shape\n"
"(num_lanes, 32), uint64 (int64 from register_view(signed=True)).\n\n"
"    regs = numpy.asarray(machine.registers)   # no copy on the cpu backend\n"
"    regs[:, 0] = numpy.arange(machine.num_lanes)   # X0 of every lane\n\n"
"The view keeps its machine alive.  len(view) is the lane count and view[i]\n"
"is lane i's registers as a list.");

static PyType_Slot RegisterView_slots[] = {
    {Py_tp_dealloc, RegisterView_dealloc},
    {Py_tp_traverse, RegisterView_traverse},
    {Py_tp_clear, RegisterView_clear},
    {Py_bf_getbuffer, RegisterView_getbuffer},
    {Py_bf_releasebuffer, RegisterView_releasebuffer},
    {Py_sq_length, RegisterView_len},
    {Py_sq_item, RegisterView_item},
    {Py_tp_repr, RegisterView_repr},
    {Py_tp_getset, RegisterView_getset},
    {Py_tp_doc, (void *)RegisterView_doc},
    {0, NULL},
};

static PyType_Spec RegisterView_spec = {
    .name = "armgpu.RegisterView",
    .basicsize = sizeof(RegisterViewObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = RegisterView_slots,
};

/* ========================================================= module functions */

static PyStructSequence_Field BackendInfo_fields[] = {
    {"name", "'auto', 'cpu' or 'cuda'"},
    {"built", "whether this build of libarmgpu contains the backend"},
    {"available", "whether the backend can run on this host now"},
    {"reason", "why it can or cannot run (for 'auto': which backend it picks)"},
    {NULL, NULL},
};

static PyStructSequence_Desc BackendInfo_desc = {
    "armgpu.BackendInfo",
    "One backend: whether this build has it, whether it can run here, and why.",
    BackendInfo_fields,
    4,
};

static PyObject *mod_backends(PyObject *module, PyObject *unused)
{
    (void)unused;
    modstate *st = PyModule_GetState(module);
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    static const agpu_backend order[] = {AGPU_BACKEND_CPU, AGPU_BACKEND_CUDA, AGPU_BACKEND_AUTO};
    for (size_t i = 0; i < 3; i++) {
        char why[512] = "";
        int ok = agpu_backend_available(order[i], why, sizeof why) == AGPU_OK;
        int built = order[i] != AGPU_BACKEND_CUDA || ARMGPU_BUILT_WITH_CUDA;
        PyObject *info = PyStructSequence_New(st->BackendInfo_Type);
        if (!info) goto fail;
        PyStructSequence_SET_ITEM(info, 0, PyUnicode_FromString(agpu_backend_name(order[i])));
        PyStructSequence_SET_ITEM(info, 1, PyBool_FromLong(built));
        PyStructSequence_SET_ITEM(info, 2, PyBool_FromLong(ok));
        PyStructSequence_SET_ITEM(info, 3, PyUnicode_FromString(why));
        if (PyErr_Occurred() || PyDict_SetItemString(d, agpu_backend_name(order[i]), info) < 0) {
            Py_DECREF(info);
            goto fail;
        }
        Py_DECREF(info);
    }
    return d;
fail:
    Py_DECREF(d);
    return NULL;
}

static PyMethodDef module_methods[] = {
    {"backends", mod_backends, METH_NOARGS,
     "backends()\n--\n\nThe backends of this build: a dict from name ('cpu', 'cuda', 'auto') to a\n"
     "BackendInfo(name, built, available, reason).  reason says why a backend cannot\nrun here, or for "
     "'auto' which backend it picks."},
    {NULL},
};

/* ================================================================= module */

static PyObject *make_enum(PyObject *enum_mod, const char *kind, const char *name, PyObject *pairs,
                           const char *doc)
{
    PyObject *cls = PyObject_GetAttrString(enum_mod, kind);
    if (!cls) return NULL;
    PyObject *args = Py_BuildValue("(sO)", name, pairs);
    PyObject *kw = Py_BuildValue("{ss}", "module", "armgpu");
    PyObject *e = args && kw ? PyObject_Call(cls, args, kw) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kw);
    Py_DECREF(cls);
    if (e) {
        PyObject *d = PyUnicode_FromString(doc);
        if (!d || PyObject_SetAttrString(e, "__doc__", d) < 0) Py_CLEAR(e);
        Py_XDECREF(d);
    }
    return e;
}

static int add_pair(PyObject *list, const char *name, long v)
{
    PyObject *p = Py_BuildValue("(sl)", name, v);
    if (!p) return -1;
    int rc = PyList_Append(list, p);
    Py_DECREF(p);
    return rc;
}

/* A tuple of the members of enum e for values 0..n-1. */
static PyObject *members_by_value(PyObject *e, int n)
{
    PyObject *t = PyTuple_New(n);
    if (!t) return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *m = PyObject_CallFunction(e, "i", i);
        if (!m) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, m);
    }
    return t;
}

static PyObject *new_exception(PyObject *module, const char *name, const char *doc, PyObject *base1,
                               PyObject *base2)
{
    char full[96];
    snprintf(full, sizeof full, "armgpu.%s", name);
    PyObject *bases = base2 ? PyTuple_Pack(2, base1, base2) : PyTuple_Pack(1, base1);
    if (!bases) return NULL;
    PyObject *e = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
    Py_DECREF(bases);
    if (!e) return NULL;
    if (PyModule_AddObjectRef(module, name, e) < 0) {
        Py_DECREF(e);
        return NULL;
    }
    return e;
}

static int add_type(PyObject *module, PyTypeObject **slot, PyType_Spec *spec, PyObject *base)
{
    PyObject *t = PyType_FromModuleAndSpec(module, spec, base);
    if (!t) return -1;
    *slot = (PyTypeObject *)t;
    return PyModule_AddType(module, (PyTypeObject *)t);
}

static int armgpu_exec(PyObject *module)
{
    modstate *st = PyModule_GetState(module);

    /* exceptions */
#define EXC(field, name, doc, b1, b2) \
    if (!(st->field = new_exception(module, name, doc, b1, b2))) return -1
    EXC(Error, "Error", "Base class of every error libarmgpu reports; .code is the agpu_error value.",
        PyExc_Exception, NULL);
    EXC(InvalidArgumentError, "InvalidArgumentError",
        "A bad argument value (size, flag, register, ...); also a ValueError.", st->Error, PyExc_ValueError);
    EXC(OutOfMemoryError, "OutOfMemoryError", "The host or the device had no room; also a MemoryError.",
        st->Error, PyExc_MemoryError);
    EXC(BackendUnavailableError, "BackendUnavailableError",
        "The requested backend cannot run here; the message says why.", st->Error, NULL);
    EXC(LaneIndexError, "LaneIndexError", "A lane index out of range; also an IndexError.", st->Error,
        PyExc_IndexError);
    EXC(GuestMemoryError, "GuestMemoryError",
        "A guest address range outside mapped memory; also an IndexError.", st->Error, PyExc_IndexError);
    EXC(BackendError, "BackendError", "The device failed (for example a CUDA error).", st->Error, NULL);
    EXC(StateError, "StateError", "The call is not valid in the machine's state; also a RuntimeError.",
        st->Error, PyExc_RuntimeError);
    EXC(MachineClosedError, "MachineClosedError", "Use of a machine after close(); also a ValueError.",
        st->Error, PyExc_ValueError);
    EXC(MachineBusyError, "MachineBusyError",
        "The machine is executing in another thread; also a RuntimeError.", st->Error, PyExc_RuntimeError);
#undef EXC

    /* enums */
    PyObject *enum_mod = PyImport_ImportModule("enum");
    if (!enum_mod) return -1;
    PyObject *pairs = PyList_New(0);
    int ok = pairs != NULL;
    for (uint32_t r = 0; ok && agpu_stop_reason_name(r); r++) ok = add_pair(pairs, agpu_stop_reason_name(r), r) == 0;
    if (ok)
        st->StopReason = make_enum(enum_mod, "IntEnum", "StopReason", pairs,
                                   "Why a lane stopped.  HALT (HLT, PC on it), SYSCALL (SVC, PC past it), BREAK "
                                   "(BRK),\nFAULT (bad access), UNDEFINED (unsupported encoding), MAX_CYCLES "
                                   "(budget spent),\nEXITED (Linux layer), INTERRUPTED, NONE (has not run).");
    Py_XDECREF(pairs);
    pairs = PyList_New(0);
    ok = st->StopReason && pairs;
    for (int r = 0; ok && r < AGPU_REG_COUNT; r++) {
        char up[32];
        const char *n = agpu_reg_name((agpu_reg)r);
        size_t i = 0;
        for (; n[i] && i + 1 < sizeof up; i++) up[i] = (char)((n[i] >= 'a' && n[i] <= 'z') ? n[i] - 32 : n[i]);
        up[i] = 0;
        ok = add_pair(pairs, up, r) == 0;
    }
    if (ok)
        st->Reg = make_enum(enum_mod, "IntEnum", "Reg", pairs,
                            "Register numbers as the C API names them: X0..X30 = 0..30, SP = 31, PC, NZCV,\n"
                            "TPIDR_EL0, FPCR, FPSR, ICOUNT (instructions retired).");
    Py_XDECREF(pairs);
    pairs = PyList_New(0);
    ok = st->Reg && pairs && add_pair(pairs, "NONE", AGPU_ACCESS_NONE) == 0 &&
         add_pair(pairs, "READ", AGPU_ACCESS_READ) == 0 && add_pair(pairs, "WRITE", AGPU_ACCESS_WRITE) == 0 &&
         add_pair(pairs, "FETCH", AGPU_ACCESS_FETCH) == 0;
    if (ok) st->Access = make_enum(enum_mod, "IntEnum", "Access", pairs, "The kind of access that faulted.");
    Py_XDECREF(pairs);
    pairs = PyList_New(0);
    ok = st->Access && pairs && add_pair(pairs, "NONE", AGPU_FAULT_NONE) == 0 &&
         add_pair(pairs, "UNMAPPED", AGPU_FAULT_UNMAPPED) == 0 &&
         add_pair(pairs, "PERMISSION", AGPU_FAULT_PERMISSION) == 0 &&
         add_pair(pairs, "ALIGNMENT", AGPU_FAULT_ALIGNMENT) == 0;
    if (ok) st->FaultCause = make_enum(enum_mod, "IntEnum", "FaultCause", pairs, "Why a guest access faulted.");
    Py_XDECREF(pairs);
    pairs = PyList_New(0);
    ok = st->FaultCause && pairs && add_pair(pairs, "NONE", 0) == 0 && add_pair(pairs, "READ", AGPU_PROT_READ) == 0 &&
         add_pair(pairs, "WRITE", AGPU_PROT_WRITE) == 0 && add_pair(pairs, "EXEC", AGPU_PROT_EXEC) == 0 &&
         add_pair(pairs, "ALL", AGPU_PROT_ALL) == 0;
    if (ok) st->Prot = make_enum(enum_mod, "IntFlag", "Prot", pairs, "Page permissions for Machine.protect().");
    Py_XDECREF(pairs);
    Py_DECREF(enum_mod);
    if (!st->Prot) return -1;
    if (!(st->reasons = members_by_value(st->StopReason, AGPU_STOP_INTERRUPTED + 1))) return -1;
    if (!(st->accesses = members_by_value(st->Access, AGPU_ACCESS_FETCH + 1))) return -1;
    if (!(st->causes = members_by_value(st->FaultCause, AGPU_FAULT_ALIGNMENT + 1))) return -1;
    if (PyModule_AddObjectRef(module, "StopReason", st->StopReason) < 0 ||
        PyModule_AddObjectRef(module, "Reg", st->Reg) < 0 || PyModule_AddObjectRef(module, "Access", st->Access) < 0 ||
        PyModule_AddObjectRef(module, "FaultCause", st->FaultCause) < 0 ||
        PyModule_AddObjectRef(module, "Prot", st->Prot) < 0)
        return -1;

    PyObject *array_mod = PyImport_ImportModule("array");
    if (!array_mod) return -1;
    st->array_type = PyObject_GetAttrString(array_mod, "array");
    Py_DECREF(array_mod);
    if (!st->array_type) return -1;

    /* types */
    if (add_type(module, &st->Stop_Type, &Stop_spec, NULL) < 0 ||
        add_type(module, &st->ParallelResult_Type, &ParallelResult_spec, NULL) < 0 ||
        add_type(module, &st->ExecutionResult_Type, &Exec_spec, NULL) < 0 ||
        add_type(module, &st->RegisterView_Type, &RegisterView_spec, NULL) < 0 ||
        add_type(module, &st->Machine_Type, &Machine_spec, NULL) < 0 ||
        add_type(module, &st->ParallelMetalCPU_Type, &Parallel_spec, (PyObject *)st->Machine_Type) < 0 ||
        add_type(module, &st->MetalCPU_Type, &MetalCPU_spec, (PyObject *)st->Machine_Type) < 0)
        return -1;
    st->BackendInfo_Type = PyStructSequence_NewType(&BackendInfo_desc);
    if (!st->BackendInfo_Type || PyModule_AddObjectRef(module, "BackendInfo", (PyObject *)st->BackendInfo_Type) < 0)
        return -1;
    st->ProgramResult_Type = PyStructSequence_NewType(&ProgramResult_desc);
    if (!st->ProgramResult_Type ||
        PyModule_AddObjectRef(module, "ProgramResult", (PyObject *)st->ProgramResult_Type) < 0)
        return -1;

    /* constants */
    if (PyModule_AddStringConstant(module, "__version__", agpu_version()) < 0 ||
        PyModule_AddIntConstant(module, "PAGE_SIZE", AGPU_PAGE_SIZE) < 0 ||
        PyModule_AddIntConstant(module, "MAX_LANES", AGPU_MAX_LANES) < 0)
        return -1;
    PyObject *mr = PyLong_FromUnsignedLongLong(AGPU_MAX_REGION_SIZE);
    if (!mr || PyModule_AddObject(module, "MAX_REGION_SIZE", mr) < 0) {
        Py_XDECREF(mr);
        return -1;
    }
    return 0;
}

static int armgpu_traverse(PyObject *module, visitproc visit, void *arg)
{
    modstate *st = PyModule_GetState(module);
    if (!st) return 0;
    Py_VISIT(st->Machine_Type);
    Py_VISIT(st->MetalCPU_Type);
    Py_VISIT(st->ParallelMetalCPU_Type);
    Py_VISIT(st->RegisterView_Type);
    Py_VISIT(st->ParallelResult_Type);
    Py_VISIT(st->ExecutionResult_Type);
    Py_VISIT(st->Stop_Type);
    Py_VISIT(st->BackendInfo_Type);
    Py_VISIT(st->ProgramResult_Type);
    Py_VISIT(st->Error);
    Py_VISIT(st->InvalidArgumentError);
    Py_VISIT(st->OutOfMemoryError);
    Py_VISIT(st->BackendUnavailableError);
    Py_VISIT(st->LaneIndexError);
    Py_VISIT(st->GuestMemoryError);
    Py_VISIT(st->BackendError);
    Py_VISIT(st->StateError);
    Py_VISIT(st->MachineClosedError);
    Py_VISIT(st->MachineBusyError);
    Py_VISIT(st->StopReason);
    Py_VISIT(st->Reg);
    Py_VISIT(st->Access);
    Py_VISIT(st->FaultCause);
    Py_VISIT(st->Prot);
    Py_VISIT(st->reasons);
    Py_VISIT(st->accesses);
    Py_VISIT(st->causes);
    Py_VISIT(st->array_type);
    return 0;
}

static int armgpu_clear(PyObject *module)
{
    modstate *st = PyModule_GetState(module);
    if (!st) return 0;
    Py_CLEAR(st->Machine_Type);
    Py_CLEAR(st->MetalCPU_Type);
    Py_CLEAR(st->ParallelMetalCPU_Type);
    Py_CLEAR(st->RegisterView_Type);
    Py_CLEAR(st->ParallelResult_Type);
    Py_CLEAR(st->ExecutionResult_Type);
    Py_CLEAR(st->Stop_Type);
    Py_CLEAR(st->BackendInfo_Type);
    Py_CLEAR(st->ProgramResult_Type);
    Py_CLEAR(st->Error);
    Py_CLEAR(st->InvalidArgumentError);
    Py_CLEAR(st->OutOfMemoryError);
    Py_CLEAR(st->BackendUnavailableError);
    Py_CLEAR(st->LaneIndexError);
    Py_CLEAR(st->GuestMemoryError);
    Py_CLEAR(st->BackendError);
    Py_CLEAR(st->StateError);
    Py_CLEAR(st->MachineClosedError);
    Py_CLEAR(st->MachineBusyError);
    Py_CLEAR(st->StopReason);
    Py_CLEAR(st->Reg);
    Py_CLEAR(st->Access);
    Py_CLEAR(st->FaultCause);
    Py_CLEAR(st->Prot);
    Py_CLEAR(st->reasons);
    Py_CLEAR(st->accesses);
    Py_CLEAR(st->causes);
    Py_CLEAR(st->array_type);
    return 0;
}

static void armgpu_free(void *module) { armgpu_clear((PyObject *)module); }

static PyModuleDef_Slot armgpu_slots[] = {
    {Py_mod_exec, armgpu_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* The SIGINT bookkeeping is process-wide and relies on one GIL. */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED},
#endif
    {0, NULL},
};

PyDoc_STRVAR(armgpu_doc,
"Run AArch64 user-mode code on many emulated CPUs (lanes) at once.\n\n"
"A thin binding of libarmgpu (include/armgpu.h).  Machine is the general\n"
"machine; ParallelMetalCPU (32 lanes by default) and MetalCPU (one lane) keep\n"
"the names and methods of the earlier Metal prototype, which is also\n"
"importable as kvrm_metal.\n\n"
"    import armgpu\n"
"    with armgpu.ParallelMetalCPU(num_lanes=1024, backend='cpu') as cpu:\n"
"        cpu.load_program(code, address=0)\n"
"        cpu.set_pc_all(0)\n"
"        result = cpu.execute(1_000_000)\n"
"        print(result.stop_reasons[0], result.cycles_per_lane[0])\n"
"        regs = numpy.asarray(cpu.registers)   # (lanes, 32) uint64, no copy on cpu\n\n"
"Counts are retired instructions (the prototype called them cycles).  HLT\n"
"and BRK leave PC on the instruction and are not counted; SVC is counted and\n"
"PC is past it; a lane resumes where it stopped on the next execute().\n\n"
"Errors: every library error is an armgpu.Error; subclasses also derive from\n"
"the matching builtin (InvalidArgumentError is a ValueError, LaneIndexError\n"
"and GuestMemoryError are IndexErrors, ...).  backends() says which backends\n"
"can run here.");

static struct PyModuleDef armgpu_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "armgpu",
    .m_doc = armgpu_doc,
    .m_size = sizeof(modstate),
    .m_methods = module_methods,
    .m_slots = armgpu_slots,
    .m_traverse = armgpu_traverse,
    .m_clear = armgpu_clear,
    .m_free = armgpu_free,
};

PyMODINIT_FUNC PyInit_armgpu(void) { return PyModuleDef_Init(&armgpu_def); }
