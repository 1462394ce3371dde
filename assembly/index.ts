// radixnet kernels: AssemblyScript, wasm SIMD (v128) (two builds of this source, asconfig.json: `release` plain SIMD,
// `fma` with relaxed-SIMD multiply-add, assembly/madd.ts), one shared memory, `stub` runtime, no static data or allocation.
//
// Conventions shared by every kernel (the host in src/kernels/ follows them):
// - Pointers are byte offsets into the shared memory; f32 buffers are 16-byte aligned.
// - Activations are feature-major: a (features, ldb) f32 matrix, row f at byte offset ptr + 4*f*ldb. ldb (floats) is a
//   multiple of 4; nb (<= ldb, a multiple of 4) is how many batch columns to compute. SIMD runs over the batch.
//   Columns >= the real batch size are zero in inputs, so they add nothing to weight gradients.
// - The first two arguments are the sub-range [start, end) of the kernel's outer loop that this call computes, so that
//   a thread pool splits one kernel call across threads without the kernel knowing.
// - Sparse layers: CSR over outputs (rowPtr (nOut+1) i32, colIdx (nnz) i32 input indices sorted, w (nnz) f32), and the
//   transpose CSC over inputs (colPtr (nIn+1) i32, rowIdx (nnz) i32 output indices, wPos (nnz) i32 index into w).
//   Only nonzeros exist: masked weights are never stored, multiplied or updated.
// - Dense layers: w is (nOut, nIn) row-major (one row of weights per output, like a CSR row with implicit indices).
// - bias, a (ReLU mask source), db: 0 means "none".
//
// spmm_fwd(o0,o1, rowPtr,colIdx,w, bias, x,y, nb,ldb, relu): y[o,:] = act(sum_k w[k] x[colIdx[k],:] + bias[o]),  x (nIn,ldb), y (nOut,ldb)
// spmm_bwd_x(i0,i1, colPtr,rowIdx,wPos,w, dy,a,dx, nb,ldb): dx[i,:] = (sum_k w[wPos[k]] dy[rowIdx[k],:]) * (a[i,:] > 0 if a)
// spmm_bwd_w(o0,o1, rowPtr,colIdx, dy,x, dw,db, nb,ldb): dw[k] = sum_b dy[o,b] x[colIdx[k],b];  db[o] = sum_b dy[o,b]
// spmm_runs_fwd(o0,o1, rowPtr,runPtr,runs,w, bias, x,y, nb,ldb, relu): spmm_fwd with each row's inputs as runs (start, count, stride) i32 triples runs[runPtr[o]..runPtr[o+1]), weights from w[rowPtr[o]] on
// spmm_pair_fwd(p0,p1, pairs,rowPtr,runPtr,runs,w, bias, x,y, nb,ldb, relu): spmm_runs_fwd for outputs o, o2 of pairs[p] = (o, o2) i32, two rows with the same inputs at once (o2 = -1: o alone)
// spmm_pair_bwd_w(p0,p1, pairs,rowPtr,colIdx, dy,x, dw,db, nb,ldb): spmm_bwd_w for the outputs of pairs[p] (as spmm_pair_fwd), two rows with the same inputs at once
// gemm_fwd(o0,o1, w,nIn, bias, x,y, nb,ldb, relu): y[o,:] = act(sum_i w[o,i] x[i,:] + bias[o])
// gemm_bwd_x(i0,i1, w,nIn,nOut, dy,a,dx, nb,ldb): dx[i,:] = (sum_o w[o,i] dy[o,:]) * (a[i,:] > 0 if a)
// gemm_bwd_w(o0,o1, nIn, dy,x, dw,db, nb,ldb): dw[o,i] = sum_b dy[o,b] x[i,b];  db[o] = sum_b dy[o,b]
// softmax_xent(b0,b1, z,labels,c,n,ldb, dz,loss,correct, scale): per column b < n: p = softmax(z[:,b]);
//     loss[b] = -log p[labels[b]]; correct[b] = argmax == label; dz[:,b] = (p - onehot) * scale; dz[:,b] = 0 for b >= n
// softmax_fwd(b0,b1, z,c,ldb, p): p[:,b] = softmax(z[:,b])
// transpose_in(f0,f1, src,n,nFeat, dst,ldb): dst[f,b] = src[b*nFeat+f] for b < n, 0 for n <= b < ceil4(n)   (batch-major -> feature-major)
// gather_in(f0,f1, src,rows,n,nFeat, dst,ldb): dst[f,b] = src[rows[b]*nFeat+f] for b < n, 0 for n <= b < ceil4(n)   (batch rows by index -> feature-major)
// transpose_out(b0,b1, src,nFeat,ldb, dst): dst[b*nFeat+f] = src[f,b]                                    (feature-major -> batch-major)
// simd_peak(iters, a, b): 96 flops per iteration of register-only f32x4 mul + add: the benchmark's ceiling
// fma_peak(iters, a, b): the same with one madd (madd.ts) per step: relaxed_madd (FMA) in the fma build, mul + add in the plain one
// sgd_update(k0,k1, w,g, lr): w -= lr g
// momentum_update(k0,k1, w,g,m, lr,momentum): m = momentum m - lr g; w += m                               (Keras SGD momentum)
// adam_update(k0,k1, w,g,m,v, alpha,beta1,beta2,eps): m += (g-m)(1-beta1); v += (g^2-v)(1-beta2); w -= alpha m / (sqrt(v) + eps)
//     (Keras Adam; the host folds bias correction into alpha = lr sqrt(1-beta2^t) / (1-beta1^t))

export { spmm_fwd, spmm_bwd_x, spmm_bwd_w } from './spmm';
export { spmm_runs_fwd, spmm_pair_fwd, spmm_pair_bwd_w } from './spmm_runs';
export { gemm_fwd, gemm_bwd_x, gemm_bwd_w } from './gemm';
export { softmax_xent, softmax_fwd } from './softmax';
export { transpose_in, transpose_out } from './transpose';
export { gather_in } from './gather';
export { simd_peak, fma_peak } from './peak';
export { sgd_update, momentum_update, adam_update } from './optimizer';
