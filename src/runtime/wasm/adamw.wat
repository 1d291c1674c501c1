;; AdamW update over float32 arrays in this module's memory, four lanes at a time (WebAssembly SIMD).
;; p ← p·decay − a·m/(√v + e) after m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², with a = lr·√bc2/bc1 and
;; e = eps·√bc2 folded on the host (the same quantity as PyTorch's bias-corrected step).
;; Offsets are byte offsets, 16-byte aligned; n is the element count rounded up to a multiple of 4.
(module
  (memory (export "memory") 1)
  (func (export "adamw")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $a f32) (param $e f32) (param $decay f32)
    (local $i i32) (local $end i32)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128)
    (local $va v128) (local $ve v128) (local $vdecay v128)
    (local $gi v128) (local $mi v128) (local $vi v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $va (f32x4.splat (local.get $a)))
    (local.set $ve (f32x4.splat (local.get $e)))
    (local.set $vdecay (f32x4.splat (local.get $decay)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gi (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $mi (f32x4.add
          (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $m) (local.get $i))))
          (f32x4.mul (local.get $vc1) (local.get $gi))))
        (local.set $vi (f32x4.add
          (f32x4.mul (local.get $vb2) (v128.load (i32.add (local.get $v) (local.get $i))))
          (f32x4.mul (local.get $vc2) (f32x4.mul (local.get $gi) (local.get $gi)))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mi))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vi))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $i))) (local.get $vdecay))
            (f32x4.div (f32x4.mul (local.get $va) (local.get $mi))
                       (f32x4.add (f32x4.sqrt (local.get $vi)) (local.get $ve)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
)
