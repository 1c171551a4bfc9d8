/* topicmf: sweeps of HALS (coordinate descent) over the columns of W, A and B fixed.
 *
 * Shipped source of the HalsSweep op (topicmf/factorize/_ops.py), which prefixes
 * it with `#define TOPICMF_MAX_R <n>` (specialised row kernels for r <= n, as in
 * csr_dot.cpp). Minimises 1/2 tr(W B W^T) - tr(W^T A) + l2/2 ||W||^2 + l1 sum(W)
 * over W >= 0, one row at a time (rows are independent: OpenMP). Each row keeps
 * wB = w B current with one axpy per changed coordinate (B symmetric). Per-row
 * statistics are summed in row order, so results do not depend on the threads.
 */
#ifndef TOPICMF_HALS_CPP
#define TOPICMF_HALS_CPP

template <typename F, int R>
struct topicmf_hals_kernel {
    /* Returns 1 when a thread could not allocate its row buffer, else 0. */
    static int run(npy_intp n, npy_intp r_rt, const F* __restrict__ A, const F* __restrict__ B,
                   F* __restrict__ W, const F* __restrict__ inv, F l1, F l2, npy_intp sweeps,
                   F* __restrict__ row_viol, F* __restrict__ row_stats) {
        const npy_intp r = R > 0 ? R : r_rt;
        int nomem = 0;
        #pragma omp parallel reduction(|:nomem)
        {
        F fixed[R > 0 ? R : 1];
        F* wb = R > 0 ? fixed : (F*) malloc((r > 0 ? r : 1) * sizeof(F));
        if (!wb) nomem |= 1;
        #pragma omp for schedule(static)
        for (npy_intp i = 0; i < n; ++i) {
            row_viol[i] = 0;
            row_stats[3 * i] = row_stats[3 * i + 1] = row_stats[3 * i + 2] = 0;
            if (!wb) continue;
            F* __restrict__ w = W + i * r;
            const F* __restrict__ a = A + i * r;
            for (npy_intp l = 0; l < r; ++l) wb[l] = 0;
            for (npy_intp j = 0; j < r; ++j) {
                const F wj = w[j];
                if (wj == 0) continue;
                const F* __restrict__ brow = B + j * r;
                for (npy_intp l = 0; l < r; ++l) wb[l] += wj * brow[l];
            }
            F rv = 0;
            for (npy_intp s = 0; s < sweeps; ++s) {
                for (npy_intp j = 0; j < r; ++j) {
                    if (inv[j] == 0) continue;
                    const F g = wb[j] - a[j] + l2 * w[j] + l1;
                    if (s == 0) rv += w[j] > 0 ? (g < 0 ? -g : g) : (g < 0 ? -g : 0);
                    F v = w[j] - g * inv[j];
                    v = v > 0 ? v : 0;
                    const F delta = v - w[j];
                    if (delta != 0) {
                        const F* __restrict__ brow = B + j * r;
                        for (npy_intp l = 0; l < r; ++l) wb[l] += delta * brow[l];
                        w[j] = v;
                    }
                }
            }
            row_viol[i] = rv;
            F s1 = 0, s2 = 0, s3 = 0;
            for (npy_intp j = 0; j < r; ++j) {
                s1 += w[j]; s2 += w[j] * w[j]; s3 += w[j] * a[j];
            }
            row_stats[3 * i] = s1; row_stats[3 * i + 1] = s2; row_stats[3 * i + 2] = s3;
        }
        if (R == 0) free(wb);
        }
        return nomem;
    }
};

template <typename F, int R>
struct topicmf_hals_dispatch {
    static int run(npy_intp n, npy_intp r, const F* A, const F* B, F* W, const F* inv, F l1, F l2,
                   npy_intp sweeps, F* row_viol, F* row_stats) {
        if (r == R) return topicmf_hals_kernel<F, R>::run(n, r, A, B, W, inv, l1, l2, sweeps, row_viol, row_stats);
        return topicmf_hals_dispatch<F, R - 1>::run(n, r, A, B, W, inv, l1, l2, sweeps, row_viol, row_stats);
    }
};

template <typename F>
struct topicmf_hals_dispatch<F, 0> {
    static int run(npy_intp n, npy_intp r, const F* A, const F* B, F* W, const F* inv, F l1, F l2,
                   npy_intp sweeps, F* row_viol, F* row_stats) {
        return topicmf_hals_kernel<F, 0>::run(n, r, A, B, W, inv, l1, l2, sweeps, row_viol, row_stats);
    }
};

/* The op's body: checks, outputs, the kernel, one cleanup path.
 * stats = [sum(W_new), sum(W_new^2), sum(W_new * A)]; viol = sum of the row violations.
 * Returns 0, or -1 with a Python exception set. */
template <typename F>
static int topicmf_hals_apply(PyArrayObject* W, PyArrayObject* A, PyArrayObject* B, F l1, F l2,
                              npy_intp sweeps, PyArrayObject** out, PyArrayObject** stats,
                              PyArrayObject** viol, int typenum) {
    int status = -1;
    PyArrayObject *Ac = NULL, *Bc = NULL;
    F *inv = NULL, *row_viol = NULL, *row_stats = NULL;
    do {
        Ac = PyArray_GETCONTIGUOUS(A);
        Bc = PyArray_GETCONTIGUOUS(B);
        if (!Ac || !Bc) break;
        const npy_intp n = PyArray_DIMS(W)[0];
        const npy_intp r = PyArray_DIMS(W)[1];
        if (PyArray_DIMS(Ac)[0] != n || PyArray_DIMS(Ac)[1] != r
            || PyArray_DIMS(Bc)[0] != r || PyArray_DIMS(Bc)[1] != r) {
            PyErr_SetString(PyExc_ValueError, "HalsSweep: shapes of W, A, B do not agree");
            break;
        }
        if (sweeps < 0) {
            PyErr_SetString(PyExc_ValueError, "HalsSweep: n_sweeps must be >= 0");
            break;
        }
        Py_XDECREF(*out);
        *out = (PyArrayObject*) PyArray_NewCopy(W, NPY_CORDER);
        if (!*out) break;
        if (!*viol) *viol = (PyArrayObject*) PyArray_EMPTY(0, NULL, typenum, 0);
        if (!*stats) {
            npy_intp three = 3;
            *stats = (PyArrayObject*) PyArray_EMPTY(1, &three, typenum, 0);
        }
        inv = (F*) malloc((r > 0 ? r : 1) * sizeof(F));
        row_viol = (F*) malloc((n > 0 ? n : 1) * sizeof(F));
        row_stats = (F*) malloc((n > 0 ? 3 * n : 3) * sizeof(F));
        if (!*viol || !*stats || !inv || !row_viol || !row_stats) break;
        const F* Bd = (const F*) PyArray_DATA(Bc);
        /* 1 / (B_jj + l2) once per column; 0 marks a column to skip */
        for (npy_intp j = 0; j < r; ++j) {
            const F hess = Bd[j * r + j] + l2;
            inv[j] = hess > 0 ? 1 / hess : 0;
        }
        const int nomem = topicmf_hals_dispatch<F, TOPICMF_MAX_R>::run(
            n, r, (const F*) PyArray_DATA(Ac), Bd, (F*) PyArray_DATA(*out), inv, l1, l2, sweeps,
            row_viol, row_stats);
        if (nomem) break;
        F total = 0, t1 = 0, t2 = 0, t3 = 0;
        for (npy_intp i = 0; i < n; ++i) {
            total += row_viol[i];
            t1 += row_stats[3 * i]; t2 += row_stats[3 * i + 1]; t3 += row_stats[3 * i + 2];
        }
        *(F*) PyArray_DATA(*viol) = total;
        F* sd = (F*) PyArray_DATA(*stats);
        sd[0] = t1; sd[1] = t2; sd[2] = t3;
        status = 0;
    } while (0);
    free(inv); free(row_viol); free(row_stats);
    Py_XDECREF(Ac); Py_XDECREF(Bc);
    if (status != 0 && !PyErr_Occurred()) PyErr_NoMemory();
    return status;
}

#endif  /* TOPICMF_HALS_CPP */
