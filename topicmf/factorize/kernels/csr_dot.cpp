/* topicmf: O = X @ B for X in CSR parts (data, indices, indptr) and a dense B.
 *
 * Shipped source of the CSRDot op (topicmf/factorize/_ops.py), which prefixes it
 * with `#define TOPICMF_MAX_R <n>`: for r <= TOPICMF_MAX_R the row kernel is a
 * template on r, so its inner loops have a compile-time length (they unroll and
 * vectorize, and the row accumulator lives on the stack); larger r runs the
 * generic kernel (R = 0). Rows are independent and run in parallel (OpenMP);
 * each row's sums run in a fixed order, so results do not depend on the number
 * of threads.
 */
#ifndef TOPICMF_CSR_DOT_CPP
#define TOPICMF_CSR_DOT_CPP

template <typename F, typename I, int R>
struct topicmf_csr_dot_kernel {
    /* Returns 1 when a column index is outside [0, m), else 0. */
    static int run(npy_intp n, npy_intp m, npy_intp r_rt, const F* __restrict__ Xd,
                   const I* __restrict__ Xi, const I* __restrict__ Xp,
                   const F* __restrict__ B, F* __restrict__ O) {
        const npy_intp r = R > 0 ? R : r_rt;
        int bad = 0;
        #pragma omp parallel for schedule(guided) reduction(|:bad)
        for (npy_intp i = 0; i < n; ++i) {
            F acc[R > 0 ? R : 1];
            F* __restrict__ o = R > 0 ? acc : O + i * r;
            for (npy_intp j = 0; j < r; ++j) o[j] = 0;
            for (I p = Xp[i]; p < Xp[i + 1]; ++p) {
                const I c = Xi[p];
                if (c < 0 || c >= m) { bad |= 1; continue; }
                const F v = Xd[p];
                const F* __restrict__ b = B + (npy_intp) c * r;
                for (npy_intp j = 0; j < r; ++j) o[j] += v * b[j];
            }
            if (R > 0) for (npy_intp j = 0; j < r; ++j) O[i * r + j] = acc[j];
        }
        return bad;
    }
};

/* r -> the kernel specialised on r (R counts down to 1), else the generic one. */
template <typename F, typename I, int R>
struct topicmf_csr_dot_dispatch {
    static int run(npy_intp n, npy_intp m, npy_intp r, const F* Xd, const I* Xi, const I* Xp,
                   const F* B, F* O) {
        if (r == R) return topicmf_csr_dot_kernel<F, I, R>::run(n, m, r, Xd, Xi, Xp, B, O);
        return topicmf_csr_dot_dispatch<F, I, R - 1>::run(n, m, r, Xd, Xi, Xp, B, O);
    }
};

template <typename F, typename I>
struct topicmf_csr_dot_dispatch<F, I, 0> {
    static int run(npy_intp n, npy_intp m, npy_intp r, const F* Xd, const I* Xi, const I* Xp,
                   const F* B, F* O) {
        return topicmf_csr_dot_kernel<F, I, 0>::run(n, m, r, Xd, Xi, Xp, B, O);
    }
};

/* The op's body: checks, output allocation, the kernel, one cleanup path.
 * Returns 0, or -1 with a Python exception set. */
template <typename F, typename I>
static int topicmf_csr_dot_apply(PyArrayObject* data, PyArrayObject* indices, PyArrayObject* indptr,
                                 PyArrayObject* B, PyArrayObject** out, int out_typenum) {
    int status = -1;
    PyArrayObject *Bc = NULL, *dc = NULL, *ic = NULL, *pc = NULL;
    do {
        Bc = PyArray_GETCONTIGUOUS(B);
        dc = PyArray_GETCONTIGUOUS(data);
        ic = PyArray_GETCONTIGUOUS(indices);
        pc = PyArray_GETCONTIGUOUS(indptr);
        if (!Bc || !dc || !ic || !pc) break;
        const npy_intp n = PyArray_DIMS(pc)[0] - 1;
        const npy_intp m = PyArray_DIMS(Bc)[0];
        const npy_intp r = PyArray_DIMS(Bc)[1];
        if (n < 0) {
            PyErr_SetString(PyExc_ValueError, "CSRDot: indptr is empty");
            break;
        }
        const I* Xp = (const I*) PyArray_DATA(pc);
        const npy_intp nnz = PyArray_DIMS(dc)[0];
        if (PyArray_DIMS(ic)[0] != nnz || Xp[0] != 0 || (npy_intp) Xp[n] > nnz) {
            PyErr_SetString(PyExc_ValueError, "CSRDot: data, indices and indptr do not agree");
            break;
        }
        int monotone = 1;
        for (npy_intp i = 0; i < n; ++i) monotone &= Xp[i] <= Xp[i + 1];
        if (!monotone) {
            PyErr_SetString(PyExc_ValueError, "CSRDot: indptr is not non-decreasing");
            break;
        }
        if (!*out || PyArray_NDIM(*out) != 2 || PyArray_DIMS(*out)[0] != n
            || PyArray_DIMS(*out)[1] != r || !PyArray_IS_C_CONTIGUOUS(*out)) {
            Py_XDECREF(*out);
            npy_intp dims[2] = {n, r};
            *out = (PyArrayObject*) PyArray_EMPTY(2, dims, out_typenum, 0);
            if (!*out) break;
        }
        const int bad = topicmf_csr_dot_dispatch<F, I, TOPICMF_MAX_R>::run(
            n, m, r, (const F*) PyArray_DATA(dc), (const I*) PyArray_DATA(ic), Xp,
            (const F*) PyArray_DATA(Bc), (F*) PyArray_DATA(*out));
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "CSRDot: a column index is out of range of B's rows");
            break;
        }
        status = 0;
    } while (0);
    Py_XDECREF(Bc); Py_XDECREF(dc); Py_XDECREF(ic); Py_XDECREF(pc);
    if (status != 0 && !PyErr_Occurred()) PyErr_NoMemory();
    return status;
}

#endif  /* TOPICMF_CSR_DOT_CPP */
