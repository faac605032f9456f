//! The GPU renderer: wgpu compute shaders on one long-lived device.
//!
//! Per image: the original goes up in bands of rows that fit one storage
//! binding; each band feeds the vertical Lanczos pass of the first preview and
//! the perceptual hash's luma grid. Everything after that stays on the GPU
//! (horizontal pass, the two smaller previews made from the one before, the
//! watermark, the DCT) in one submission, and only the three previews and 64
//! coefficients come back. Every call runs inside validation and out-of-memory
//! error scopes, so a refused dispatch is an error, never a panic.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use crate::plan::{self, Weights};
use crate::{Preview, PreviewError, Rendered, Source, Stage, Timings, phash, watermark};

/// Which adapters [`GpuRenderer::new`] accepts.
#[derive(Clone, Debug)]
pub struct GpuOptions {
    /// Accept a software adapter (lavapipe): right for tests, slower than the CPU path otherwise.
    pub allow_software: bool,
    /// Largest band of the original uploaded at once, if lower than the
    /// adapter's binding limit (tests use it to force tiling).
    pub max_band: Option<u64>,
}

impl GpuOptions {
    pub fn any() -> Self {
        Self { allow_software: true, max_band: None }
    }
    pub fn hardware() -> Self {
        Self { allow_software: false, max_band: None }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct ResizeParams {
    src_w: u32,
    row0: u32,
    first: u32,
    count: u32,
    lines: u32,
    window: u32,
    precision: u32,
    dst_w: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct MarkParams {
    width: u32,
    height: u32,
    tile_w: u32,
    tile_h: u32,
    scale: u32,
    pad: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct HashParams {
    width: u32,
    height: u32,
    own0: u32,
    own_rows: u32,
    band0: u32,
    pad: [u32; 3],
}

pub struct GpuRenderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    max_binding: u64,
    max_band: u64,
    vertical: wgpu::ComputePipeline,
    horizontal: wgpu::ComputePipeline,
    mark: wgpu::ComputePipeline,
    luma: wgpu::ComputePipeline,
    dct: wgpu::ComputePipeline,
    basis: wgpu::Buffer,
}

/// An image whose original is on the GPU (first preview and luma grid done).
struct Staged {
    size: (u32, u32),
    steps: Vec<plan::Step>,
    level0: wgpu::Buffer,
    sums: wgpu::Buffer,
    coeffs: wgpu::Buffer,
    timings: Timings,
}

/// An image whose remaining work is recorded; its readbacks fill on submission.
struct Pending {
    steps: Vec<plan::Step>,
    readbacks: Vec<wgpu::Buffer>,
    coeff_read: wgpu::Buffer,
    timings: Timings,
}

fn rank(t: wgpu::DeviceType) -> u8 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// Uploaded resize weights for one axis.
struct AxisWeights {
    taps: wgpu::Buffer,
    weights: wgpu::Buffer,
    window: u32,
    precision: u32,
}

fn identity(n: u32) -> Weights {
    Weights {
        from: n,
        to: n,
        taps: (0..n).map(|i| plan::Tap { start: i, len: 1 }).collect(),
        values: vec![1 << 14; n as usize],
        window: 1,
        precision: 14,
    }
}

/// `fast_image_resize` skips an axis whose size does not change; identity weights do the same.
fn axis(from: u32, to: u32) -> Weights {
    if from == to { identity(from) } else { Weights::lanczos3(from, to) }
}

/// Output rows `first..last` read source rows `lo..hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    pub first: u32,
    pub last: u32,
    pub lo: u32,
    pub hi: u32,
}

/// Groups output rows so that the source rows each group reads fit in `max_bytes`.
pub fn bands(v: &Weights, row_bytes: u64, max_bytes: u64) -> Result<Vec<Band>, PreviewError> {
    let mut out = Vec::new();
    let mut first = 0u32;
    while first < v.to {
        let t = v.taps[first as usize];
        let (mut lo, mut hi) = (t.start, t.start + t.len);
        if u64::from(hi - lo) * row_bytes > max_bytes {
            return Err(PreviewError::Input("the image is too wide for this GPU's buffers".into()));
        }
        let mut last = first + 1;
        while last < v.to {
            let t = v.taps[last as usize];
            let (l2, h2) = (lo.min(t.start), hi.max(t.start + t.len));
            if u64::from(h2 - l2) * row_bytes > max_bytes {
                break;
            }
            (lo, hi) = (l2, h2);
            last += 1;
        }
        out.push(Band { first, last, lo, hi });
        first = last;
    }
    Ok(out)
}

impl GpuRenderer {
    pub fn new(options: &GpuOptions) -> Result<Self, PreviewError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        // Vulkan, Metal or DX12 only: never wgpu's GL fallback (llvmpipe), which would pass for a GPU.
        desc.backends = wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12;
        let instance = wgpu::Instance::new(desc);
        let mut adapters: Vec<wgpu::Adapter> = pollster::block_on(instance.enumerate_adapters(desc_backends()))
            .into_iter()
            .filter(|a| options.allow_software || a.get_info().device_type != wgpu::DeviceType::Cpu)
            .collect();
        adapters.sort_by_key(|a| rank(a.get_info().device_type));
        let adapter = adapters.into_iter().next().ok_or_else(|| {
            PreviewError::Gpu(if options.allow_software {
                "no Vulkan, Metal or DX12 adapter (for a software one, install mesa-vulkan-drivers)".into()
            } else {
                "no hardware GPU adapter".into()
            })
        })?;
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("colophon-previews"),
            required_features: wgpu::Features::empty(),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| PreviewError::Gpu(format!("{}: {e}", info.name)))?;
        device.on_uncaptured_error(Arc::new(|e| tracing::error!(error = %e, "uncaptured GPU error")));
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let resize = device.create_shader_module(wgpu::include_wgsl!("shaders/resize.wgsl"));
        let mark = device.create_shader_module(wgpu::include_wgsl!("shaders/mark.wgsl"));
        let hash = device.create_shader_module(wgpu::include_wgsl!("shaders/phash.wgsl"));
        let pipeline = |module: &wgpu::ShaderModule, entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let vertical = pipeline(&resize, "vertical");
        let horizontal = pipeline(&resize, "horizontal");
        let mark = pipeline(&mark, "main");
        let luma = pipeline(&hash, "luma");
        let dct = pipeline(&hash, "dct");
        let flat: Vec<i32> = phash::basis().iter().flatten().copied().collect();
        let basis = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("dct basis"),
            contents: bytemuck::cast_slice(&flat),
            usage: wgpu::BufferUsages::STORAGE,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(PreviewError::Gpu(format!("{}: the shaders were refused: {e}", info.name)));
        }
        let adapter_max = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
        let max_binding = adapter_max;
        let max_band = options.max_band.map_or(adapter_max, |m| m.min(adapter_max));
        tracing::info!(adapter = %info.name, backend = ?info.backend, kind = ?info.device_type, max_binding, "GPU previews ready");
        Ok(Self { device, queue, info, max_binding, max_band, vertical, horizontal, mark, luma, dct, basis })
    }

    /// "NVIDIA H200 (Vulkan, DiscreteGpu)".
    pub fn adapter_name(&self) -> String {
        format!("{} ({:?}, {:?})", self.info.name, self.info.backend, self.info.device_type)
    }

    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    pub fn render(&self, src: &Source<'_>, creator: &str) -> Result<Rendered, PreviewError> {
        self.scoped(|| {
            let staged = self.stage(src)?;
            let mut enc = self.device.create_command_encoder(&Default::default());
            let started = Instant::now();
            let pending = self.encode(&mut enc, staged, creator)?;
            self.queue.submit([enc.finish()]);
            self.wait()?;
            let mut rendered = self.collect(vec![pending])?;
            let mut r = rendered.pop().ok_or_else(|| PreviewError::Render("nothing came back".into()))?;
            r.timings.resize += started.elapsed();
            Ok(r)
        })
    }

    /// Renders several images with ONE submission and one wait for everything
    /// after their upload (resizes, watermarks, DCTs, readbacks), so the GPU
    /// sees the whole batch at once. If the batch as a whole is refused, each
    /// image is rendered alone so that one bad image fails only itself.
    pub fn render_batch(&self, items: &[(Source<'_>, &str)]) -> Vec<Result<Rendered, PreviewError>> {
        if items.len() <= 1 {
            return items.iter().map(|(src, creator)| self.render(src, creator)).collect();
        }
        let batch = self.scoped(|| {
            let mut staged = Vec::with_capacity(items.len());
            for (src, _) in items {
                staged.push(self.stage(src)?);
            }
            let started = Instant::now();
            let mut enc = self.device.create_command_encoder(&Default::default());
            let mut pending = Vec::with_capacity(items.len());
            for (s, (_, creator)) in staged.into_iter().zip(items) {
                pending.push(self.encode(&mut enc, s, creator)?);
            }
            self.queue.submit([enc.finish()]);
            self.wait()?;
            let mut rendered = self.collect(pending)?;
            // The shared submission's time, split evenly.
            let share = started.elapsed() / items.len() as u32;
            for r in &mut rendered {
                r.timings.resize += share;
            }
            Ok(rendered)
        });
        match batch {
            Ok(rendered) => rendered.into_iter().map(Ok).collect(),
            Err(e) => {
                tracing::warn!(error = %e, images = items.len(), "a GPU batch was refused; rendering its images one by one");
                items.iter().map(|(src, creator)| self.render(src, creator)).collect()
            }
        }
    }

    /// Runs `f` inside out-of-memory and validation error scopes.
    fn scoped<T>(&self, f: impl FnOnce() -> Result<T, PreviewError>) -> Result<T, PreviewError> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let result = f();
        let v = pollster::block_on(validation.pop());
        let o = pollster::block_on(oom.pop());
        if let Some(e) = v.or(o) {
            return Err(PreviewError::Gpu(e.to_string()));
        }
        result
    }

    fn storage(&self, label: &str, bytes: u64) -> Result<wgpu::Buffer, PreviewError> {
        if bytes > self.max_binding {
            return Err(PreviewError::Input(format!("a {label} of {bytes} bytes exceeds this GPU's buffer limit")));
        }
        Ok(self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        }))
    }

    fn init(&self, label: &str, contents: &[u8], usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents, usage })
    }

    fn upload_axis(&self, w: &Weights) -> AxisWeights {
        let taps: Vec<[u32; 2]> = w.taps.iter().map(|t| [t.start, t.len]).collect();
        AxisWeights {
            taps: self.init("taps", bytemuck::cast_slice(&taps), wgpu::BufferUsages::STORAGE),
            weights: self.init("weights", bytemuck::cast_slice(&w.values), wgpu::BufferUsages::STORAGE),
            window: w.window,
            precision: w.precision,
        }
    }

    fn dispatch(
        &self,
        enc: &mut wgpu::CommandEncoder,
        pipeline: &wgpu::ComputePipeline,
        bindings: &[(u32, &wgpu::Buffer)],
        groups: (u32, u32),
    ) {
        let entries: Vec<wgpu::BindGroupEntry<'_>> = bindings
            .iter()
            .map(|(binding, buffer)| wgpu::BindGroupEntry { binding: *binding, resource: buffer.as_entire_binding() })
            .collect();
        let group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(groups.0.max(1), groups.1.max(1), 1);
    }

    #[allow(clippy::too_many_arguments)]
    fn resize_pass(
        &self,
        enc: &mut wgpu::CommandEncoder,
        vertical: bool,
        w: &AxisWeights,
        src: &wgpu::Buffer,
        dst: &wgpu::Buffer,
        src_w: u32,
        row0: u32,
        first: u32,
        count: u32,
        lines: u32,
        dst_w: u32,
    ) {
        let params = ResizeParams { src_w, row0, first, count, lines, window: w.window, precision: w.precision, dst_w };
        let params = self.init("resize params", bytemuck::bytes_of(&params), wgpu::BufferUsages::UNIFORM);
        let (pipeline, groups) = if vertical {
            (&self.vertical, (lines.div_ceil(16), count.div_ceil(16)))
        } else {
            (&self.horizontal, (count.div_ceil(16), lines.div_ceil(16)))
        };
        self.dispatch(enc, pipeline, &[(0, &params), (1, src), (2, &w.taps), (3, &w.weights), (4, dst)], groups);
    }

    fn luma_pass(
        &self,
        enc: &mut wgpu::CommandEncoder,
        src: &wgpu::Buffer,
        sums: &wgpu::Buffer,
        size: (u32, u32),
        band0: u32,
        own: (u32, u32),
    ) {
        if own.1 <= own.0 {
            return;
        }
        let params =
            HashParams { width: size.0, height: size.1, own0: own.0, own_rows: own.1 - own.0, band0, pad: [0; 3] };
        let params = self.init("hash params", bytemuck::bytes_of(&params), wgpu::BufferUsages::UNIFORM);
        self.dispatch(enc, &self.luma, &[(0, &params), (1, src), (2, sums)], (1, (own.1 - own.0).div_ceil(8)));
    }

    fn rows<'a>(src: &Source<'a>, lo: u32, hi: u32) -> &'a [u8] {
        let row = src.width as usize * 4;
        &src.rgba[lo as usize * row..hi as usize * row]
    }

    /// Phase one: the original goes up in bands; the first preview's vertical
    /// pass and the luma grid run as each band arrives.
    fn stage(&self, src: &Source<'_>) -> Result<Staged, PreviewError> {
        let mut t = Timings::default();
        let (w, h) = (src.width, src.height);
        let row_bytes = u64::from(w) * 4;
        let steps = plan::cascade(w, h);
        let sums = self.storage("luma grid", 4 * 32 * 32)?;
        let coeffs = self.storage("dct coefficients", 4 * 64)?;
        let storage_in = wgpu::BufferUsages::STORAGE;

        let first = steps[0];
        let level0 = self.storage("preview 0", u64::from(first.to.0) * u64::from(first.to.1) * 4)?;
        let started = Instant::now();
        let mut covered = 0u32;
        let mut gaps: Vec<(u32, u32)> = Vec::new();
        if first.is_copy() {
            let mut enc = self.device.create_command_encoder(&Default::default());
            let band = self.init("original", src.rgba, storage_in | wgpu::BufferUsages::COPY_SRC);
            enc.copy_buffer_to_buffer(&band, 0, &level0, 0, Some(row_bytes * u64::from(h)));
            self.luma_pass(&mut enc, &band, &sums, (w, h), 0, (0, h));
            self.queue.submit([enc.finish()]);
            covered = h;
        } else {
            let vw = axis(h, first.to.1);
            let hw = axis(w, first.to.0);
            let (v, hz) = (self.upload_axis(&vw), self.upload_axis(&hw));
            let temp = self.storage("vertical pass", u64::from(first.to.1) * row_bytes)?;
            for band in bands(&vw, row_bytes, self.max_band)? {
                let buf = self.init("band", Self::rows(src, band.lo, band.hi), storage_in);
                let mut enc = self.device.create_command_encoder(&Default::default());
                self.resize_pass(&mut enc, true, &v, &buf, &temp, w, band.lo, band.first, band.last - band.first, w, w);
                if band.lo > covered {
                    gaps.push((covered, band.lo));
                }
                let own = (covered.max(band.lo), band.hi);
                self.luma_pass(&mut enc, &buf, &sums, (w, h), band.lo, own);
                covered = covered.max(band.hi);
                self.queue.submit([enc.finish()]);
            }
            let mut enc = self.device.create_command_encoder(&Default::default());
            self.resize_pass(&mut enc, false, &hz, &temp, &level0, w, 0, 0, first.to.0, first.to.1, first.to.0);
            self.queue.submit([enc.finish()]);
        }
        if covered < h {
            gaps.push((covered, h));
        }
        // Rows no band read still count towards the hash.
        let max_rows = (self.max_band / row_bytes).max(1) as u32;
        for (mut lo, hi) in gaps {
            while lo < hi {
                let end = hi.min(lo + max_rows);
                let buf = self.init("hash band", Self::rows(src, lo, end), storage_in);
                let mut enc = self.device.create_command_encoder(&Default::default());
                self.luma_pass(&mut enc, &buf, &sums, (w, h), lo, (lo, end));
                self.queue.submit([enc.finish()]);
                lo = end;
            }
        }
        t.add(Stage::Upload, started);
        Ok(Staged { size: (w, h), steps, level0, sums, coeffs, timings: t })
    }

    /// Phase two, recorded into `enc`: the smaller previews, the watermarks,
    /// the DCT and the copies into readback buffers.
    fn encode(&self, enc: &mut wgpu::CommandEncoder, staged: Staged, creator: &str) -> Result<Pending, PreviewError> {
        let Staged { size: (w, h), steps, level0, sums, coeffs, timings } = staged;
        let storage_in = wgpu::BufferUsages::STORAGE;
        let mut levels = vec![level0];
        for step in &steps[1..] {
            let prev = levels.last().ok_or_else(|| PreviewError::Render("no previous level".into()))?;
            let (fw, fh) = step.from;
            let out = self.storage("preview", u64::from(step.to.0) * u64::from(step.to.1) * 4)?;
            if step.is_copy() {
                enc.copy_buffer_to_buffer(prev, 0, &out, 0, Some(u64::from(fw) * u64::from(fh) * 4));
            } else {
                let temp = self.storage("vertical pass", u64::from(step.to.1) * u64::from(fw) * 4)?;
                let v = self.upload_axis(&axis(fh, step.to.1));
                let hz = self.upload_axis(&axis(fw, step.to.0));
                self.resize_pass(enc, true, &v, prev, &temp, fw, 0, 0, step.to.1, fw, fw);
                self.resize_pass(enc, false, &hz, &temp, &out, fw, 0, 0, step.to.0, step.to.1, step.to.0);
            }
            levels.push(out);
        }
        let hash_params = HashParams { width: w, height: h, own0: 0, own_rows: 0, band0: 0, pad: [0; 3] };
        let hash_params = self.init("hash params", bytemuck::bytes_of(&hash_params), wgpu::BufferUsages::UNIFORM);
        self.dispatch(enc, &self.dct, &[(0, &hash_params), (2, &sums), (3, &self.basis), (4, &coeffs)], (1, 1));
        let mut readbacks = Vec::new();
        for (level, step) in levels.iter().zip(&steps) {
            let (pw, ph) = step.to;
            let tile = watermark::Tile::new(creator, pw, ph);
            let tile_buf = self.init("watermark tile", bytemuck::cast_slice(&tile.cells), storage_in);
            let params = MarkParams {
                width: pw,
                height: ph,
                tile_w: tile.width,
                tile_h: tile.height,
                scale: tile.scale,
                pad: [0; 3],
            };
            let params = self.init("mark params", bytemuck::bytes_of(&params), wgpu::BufferUsages::UNIFORM);
            let bytes = u64::from(pw) * u64::from(ph) * 4;
            let marked = self.storage("marked preview", bytes)?;
            self.dispatch(
                enc,
                &self.mark,
                &[(0, &params), (1, level), (2, &tile_buf), (3, &marked)],
                (pw.div_ceil(16), ph.div_ceil(16)),
            );
            let read = self.readback(bytes);
            enc.copy_buffer_to_buffer(&marked, 0, &read, 0, Some(bytes));
            readbacks.push(read);
        }
        let coeff_read = self.readback(4 * 64);
        enc.copy_buffer_to_buffer(&coeffs, 0, &coeff_read, 0, Some(4 * 64));
        Ok(Pending { steps, readbacks, coeff_read, timings })
    }

    /// Phase three, after the submission finished: maps every readback at once.
    fn collect(&self, pending: Vec<Pending>) -> Result<Vec<Rendered>, PreviewError> {
        let started = Instant::now();
        let buffers: Vec<&wgpu::Buffer> =
            pending.iter().flat_map(|p| p.readbacks.iter().chain(std::iter::once(&p.coeff_read))).collect();
        let mut data = self.map_all(&buffers)?.into_iter();
        let n = pending.len().max(1) as u32;
        let mut out = Vec::with_capacity(pending.len());
        for p in pending {
            let mut previews = Vec::with_capacity(p.readbacks.len());
            for (step, long) in p.steps.iter().zip(plan::SIZES) {
                let rgba = data.next().ok_or_else(|| PreviewError::Render("a readback is missing".into()))?;
                previews.push(Preview { long_edge: long, width: step.to.0, height: step.to.1, rgba });
            }
            let raw = data.next().ok_or_else(|| PreviewError::Render("a readback is missing".into()))?;
            let mut d = [0i32; 64];
            d.copy_from_slice(bytemuck::cast_slice(&raw));
            let mut timings = p.timings;
            timings.download += started.elapsed() / n;
            out.push(Rendered { previews, phash: phash::bits(&d), timings });
        }
        Ok(out)
    }

    fn readback(&self, bytes: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: bytes.max(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    fn wait(&self) -> Result<(), PreviewError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| PreviewError::Gpu(format!("waiting for the GPU: {e}")))
    }

    fn map_all(&self, bufs: &[&wgpu::Buffer]) -> Result<Vec<Vec<u8>>, PreviewError> {
        let (tx, rx) = mpsc::channel();
        for (i, buf) in bufs.iter().enumerate() {
            let tx = tx.clone();
            buf.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send((i, r));
            });
        }
        drop(tx);
        self.wait()?;
        for _ in bufs {
            let (_, r) = rx.recv().map_err(|_| PreviewError::Gpu("the GPU dropped a readback".into()))?;
            r.map_err(|e| PreviewError::Gpu(format!("reading back: {e}")))?;
        }
        bufs.iter()
            .map(|buf| {
                let data = buf.slice(..).get_mapped_range().map_err(|e| PreviewError::Gpu(e.to_string()))?.to_vec();
                buf.unmap();
                Ok(data)
            })
            .collect()
    }
}

fn desc_backends() -> wgpu::Backends {
    wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12
}
