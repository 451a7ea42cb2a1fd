
// Appended to the glue by scripts/build-wasm.sh (crates/wasm/js/freed.js), followed by a call
// naming the glue's classes. wasm-bindgen's glue calls into wasm with the object's pointer, which
// free() sets to 0; the generated check then throws a plain Error ("null pointer passed to
// rust") with no `code`. Here every method and accessor of each class checks first and throws a
// SecureLoginError with the code `Freed`; free() (and [Symbol.dispose]) a second time does
// nothing, so `using` and an explicit free() can meet.
function __secureLoginGuardFreed(classes) {
  const freed = (className, member) => {
    const error = new Error(`${className}.${member}: this object was freed (free() was called)`);
    error.name = 'SecureLoginError';
    error.code = 'Freed';
    return error;
  };
  for (const Class of classes) {
    const proto = Class.prototype;
    for (const member of Object.getOwnPropertyNames(proto)) {
      if (member === 'constructor' || member.startsWith('__')) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, member);
      const guard = (fn) => (typeof fn !== 'function' ? fn : function (...args) {
        if (this != null && this.__wbg_ptr === 0) {
          if (member === 'free') return undefined;
          throw freed(Class.name, member);
        }
        return fn.apply(this, args);
      });
      Object.defineProperty(proto, member, {
        ...descriptor,
        ...('value' in descriptor ? { value: guard(descriptor.value) } : {}),
        ...(descriptor.get ? { get: guard(descriptor.get) } : {}),
        ...(descriptor.set ? { set: guard(descriptor.set) } : {}),
      });
    }
    if (typeof Symbol.dispose === 'symbol' && Object.hasOwn(proto, Symbol.dispose)) {
      proto[Symbol.dispose] = proto.free;
    }
  }
}
