//! A cache of small blocks in front of a global allocator, for single-threaded WebAssembly.
//!
//! Every streamed event makes a few short-lived allocations (the read's bytes as wasm-bindgen
//! copies them in, the event's data, its text); behind talc each one took its binned free
//! list and the merging of free neighbours, about a quarter of the Rust time per event
//! (bench/README.md, eighth pass). Here a block of up to [`MAX`] bytes is one of seven size
//! classes (16, 32, … 1024 bytes); a freed one goes on its class's list and the next
//! allocation of that class takes it back: a few loads and stores. Each list keeps at most
//! [`KEEP`] blocks and gives the rest back to the allocator behind it, so what the cache holds
//! is bounded (under 130 kB) and a burst of frees still returns memory to be merged.
//!
//! This crate holds the unsafe code, so aibadgr itself stays `forbid(unsafe_code)`.
#![no_std]
#![deny(missing_docs)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

/// How many size classes: 16 << 0 … 16 << 6 bytes.
pub const CLASSES: usize = 7;
/// The biggest block a class holds; bigger ones go to the allocator behind.
pub const MAX: usize = 16 << (CLASSES - 1);
/// The most free blocks one class keeps.
pub const KEEP: u32 = 64;
/// Every class block is this aligned (a layout asking for more goes to the allocator behind).
pub const ALIGN: usize = 16;

/// The class of a layout, or `None` when it is too big or too aligned for one.
#[inline(always)]
pub fn class(l: &Layout) -> Option<usize> {
    if l.align() > ALIGN || l.size() > MAX {
        return None;
    }
    let s = l.size().max(16);
    Some((usize::BITS - (s - 1).leading_zeros()) as usize - 4)
}

/// The layout of a class's blocks (what the allocator behind is asked for and given back).
#[inline(always)]
fn block(c: usize) -> Layout {
    // 16 << c for c < CLASSES is at most MAX, a power of two no bigger than isize::MAX, and
    // ALIGN is a power of two: a valid layout.
    unsafe { Layout::from_size_align_unchecked(16 << c, ALIGN) }
}

/// One class's free blocks.
#[derive(Clone, Copy)]
struct List {
    /// The first free block; each free block's first word points to the next.
    head: *mut u8,
    /// How many blocks the list holds.
    count: u32,
}

/// The cache; see the crate docs. `A` is the allocator behind it.
pub struct Cache<A> {
    inner: A,
    lists: UnsafeCell<[List; CLASSES]>,
}

// The lists are plain memory with no lock: sound only where one thread runs, which is what
// wasm32 without the atomics feature is (the only place aibadgr installs it as the global
// allocator).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl<A: Sync> Sync for Cache<A> {}

impl<A> Cache<A> {
    /// A cache in front of `inner`, its lists empty.
    pub const fn new(inner: A) -> Self {
        Cache {
            inner,
            lists: UnsafeCell::new(
                [List {
                    head: ptr::null_mut(),
                    count: 0,
                }; CLASSES],
            ),
        }
    }

    /// How many free blocks each class holds now.
    pub fn held(&self) -> [u32; CLASSES] {
        // A copy, read while no allocation runs (one thread).
        unsafe { (*self.lists.get()).map(|l| l.count) }
    }
}

unsafe impl<A: GlobalAlloc> GlobalAlloc for Cache<A> {
    #[inline]
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let Some(c) = class(&l) else {
            return unsafe { self.inner.alloc(l) };
        };
        let lists = unsafe { &mut *self.lists.get() };
        // (c < CLASSES: `get` costs nothing here, and keeps the code free of indexing panics.)
        if let Some(list) = lists.get_mut(c).filter(|l| !l.head.is_null()) {
            let p = list.head;
            // A free block's first word is the next free block (written by dealloc).
            list.head = unsafe { p.cast::<*mut u8>().read() };
            list.count -= 1;
            return p;
        }
        unsafe { self.inner.alloc(block(c)) }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        let Some(c) = class(&l) else {
            return unsafe { self.inner.dealloc(p, l) };
        };
        let lists = unsafe { &mut *self.lists.get() };
        match lists.get_mut(c).filter(|l| l.count < KEEP) {
            Some(list) => {
                // The block is at least 16 bytes and 16-aligned: room for the link.
                unsafe { p.cast::<*mut u8>().write(list.head) };
                list.head = p;
                list.count += 1;
            }
            None => unsafe { self.inner.dealloc(p, block(c)) },
        }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        // The caller guarantees new_size, rounded up to l.align(), does not overflow isize.
        let nl = unsafe { Layout::from_size_align_unchecked(new_size, l.align()) };
        match (class(&l), class(&nl)) {
            (None, None) => unsafe { self.inner.realloc(p, l, new_size) },
            // The block has room for any size of its class.
            (Some(a), Some(b)) if a == b => p,
            _ => {
                let q = unsafe { self.alloc(nl) };
                if !q.is_null() {
                    unsafe {
                        ptr::copy_nonoverlapping(p, q, l.size().min(new_size));
                        self.dealloc(p, l);
                    }
                }
                q
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use core::cell::Cell;
    use std::alloc::System;
    use std::vec::Vec;

    /// The system allocator, counting what it is asked for and given back.
    #[derive(Default)]
    struct Counting {
        allocs: Cell<usize>,
        frees: Cell<usize>,
        live: Cell<isize>,
    }
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            self.allocs.set(self.allocs.get() + 1);
            self.live.set(self.live.get() + l.size() as isize);
            unsafe { System.alloc(l) }
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            self.frees.set(self.frees.get() + 1);
            self.live.set(self.live.get() - l.size() as isize);
            unsafe { System.dealloc(p, l) }
        }
    }

    fn lay(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn classes_cover_each_size_with_the_smallest_block() {
        assert_eq!(class(&lay(1, 1)), Some(0));
        assert_eq!(class(&lay(16, 8)), Some(0));
        assert_eq!(class(&lay(17, 1)), Some(1));
        assert_eq!(class(&lay(290, 1)), Some(5));
        assert_eq!(class(&lay(1024, 1)), Some(6));
        assert_eq!(class(&lay(1025, 1)), None);
        assert_eq!(class(&lay(8, 32)), None);
        for size in 1..=MAX {
            let c = class(&lay(size, 1)).unwrap();
            assert!(16 << c >= size, "size {size}: class {c} too small");
            assert!(
                c == 0 || 16 << (c - 1) < size,
                "size {size}: class {c} not the smallest"
            );
        }
    }

    #[test]
    fn a_freed_block_is_the_next_one_of_its_class_and_the_allocator_behind_sees_one_alloc() {
        let c = Cache::new(Counting::default());
        unsafe {
            let a = c.alloc(lay(290, 1));
            assert_eq!(a as usize % ALIGN, 0);
            c.dealloc(a, lay(290, 1));
            assert_eq!(c.held()[5], 1);
            for _ in 0..1000 {
                let b = c.alloc(lay(300, 8));
                assert_eq!(b, a, "the freed block comes back");
                b.write_bytes(7, 300);
                c.dealloc(b, lay(300, 8));
            }
            assert_eq!(c.inner.allocs.get(), 1);
            assert_eq!(c.inner.frees.get(), 0);
        }
    }

    #[test]
    fn each_list_keeps_at_most_keep_blocks_and_gives_the_rest_back() {
        let c = Cache::new(Counting::default());
        unsafe {
            let ps: Vec<_> = (0..200).map(|_| c.alloc(lay(40, 4))).collect();
            let mut seen = ps.clone();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 200, "live blocks are distinct");
            for p in &ps {
                c.dealloc(*p, lay(40, 4));
            }
            assert_eq!(c.held()[2], KEEP);
            assert_eq!(c.inner.frees.get(), 200 - KEEP as usize);
            assert_eq!(c.inner.live.get(), (KEEP as isize) * 64);
        }
    }

    #[test]
    fn big_and_overaligned_layouts_go_straight_behind() {
        let c = Cache::new(Counting::default());
        unsafe {
            for l in [lay(MAX + 1, 1), lay(64, 64), lay(1 << 20, 8)] {
                let p = c.alloc(l);
                assert_eq!(p as usize % l.align(), 0);
                c.dealloc(p, l);
            }
            assert_eq!(c.held(), [0; CLASSES]);
            assert_eq!(c.inner.allocs.get(), 3);
            assert_eq!(c.inner.frees.get(), 3);
            assert_eq!(c.inner.live.get(), 0);
        }
    }

    #[test]
    fn realloc_keeps_the_bytes_across_classes_and_into_big_blocks_and_back() {
        let c = Cache::new(Counting::default());
        unsafe {
            let mut p = c.alloc(lay(3, 1));
            let mut size = 3;
            p.copy_from(b"abc".as_ptr(), 3);
            // Grow by doubling, as a Vec does, from a class into big blocks, then shrink back.
            let mut sizes: Vec<usize> = (2..16).map(|k| 3 << k).collect();
            sizes.extend([700, 20, 5]);
            for next in sizes {
                let q = c.realloc(p, lay(size, 1), next);
                assert!(!q.is_null());
                if let (Some(a), Some(b)) = (class(&lay(size, 1)), class(&lay(next, 1))) {
                    if a == b {
                        assert_eq!(q, p, "same class: the same block");
                    }
                }
                for i in 0..size.min(next) {
                    let want = if i < 3 { b"abc"[i] } else { (i % 251) as u8 };
                    assert_eq!(q.add(i).read(), want, "byte {i} of {size} -> {next}");
                }
                for i in size.min(next)..next {
                    q.add(i)
                        .write(if i < 3 { b"abc"[i] } else { (i % 251) as u8 });
                }
                p = q;
                size = next;
            }
            c.dealloc(p, lay(size, 1));
            // Nothing leaked: all that is live behind the cache are the blocks it holds.
            let held: isize = c
                .held()
                .iter()
                .enumerate()
                .map(|(k, n)| (*n as isize) * (16 << k))
                .sum();
            assert_eq!(c.inner.live.get(), held);
        }
    }
}
