;; Whole-image 8-bit quantisation for convert.ts: q(x) = clip(round(255x), 0, 255) with ties to even and
;; NaN → 0, exactly `toByte` (f64.nearest is round-half-to-even), over float32 values in this module's memory.
;; `quantize` writes q(x)/255 back as float32 (the division in float64, then rounded once, as a Float32Array
;; store of `toByte(x) / 255`); `toBytes` writes q(x) as bytes. Addresses are byte offsets.
(module
  (memory (export "memory") 1)

  (func $byte (param $x f32) (result f64)
    (local $v f64)
    (local.set $v (f64.mul (f64.promote_f32 (local.get $x)) (f64.const 255)))
    (select (f64.const 0)
      (select (f64.const 255) (f64.nearest (local.get $v)) (f64.ge (local.get $v) (f64.const 255)))
      (i32.eqz (f64.gt (local.get $v) (f64.const 0)))))

  (func (export "quantize") (param $p i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (f32.store (local.get $p) (f32.demote_f64 (f64.div (call $byte (f32.load (local.get $p))) (f64.const 255))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $next))))

  (func (export "toBytes") (param $src i32) (param $n i32) (param $dst i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (i32.store8 (local.get $dst) (i32.trunc_f64_u (call $byte (f32.load (local.get $src)))))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (br $next))))
)
