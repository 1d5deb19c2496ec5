// grad4j dashboard: polls /api/state once a second and draws the curves on <canvas>.
// Hand-written, no libraries: the page must work on a machine that reaches nothing else.
"use strict";

(function () {
  const COLORS = { train: "#2563eb", trainEpoch: "#1e3a8a", test: "#dc2626", lr: "#7c3aed", speed: "#059669" };

  // Everything received so far; batch columns grow as new rows arrive.
  const data = {
    batches: { epoch: [], batch: [], step: [], loss: [], accuracy: [], lr: [], examples_per_second: [], seconds: [] },
    epochs: [],
    state: null,
  };
  // What the end-to-end test reads: points plotted per curve, and how many answers arrived.
  const status = { points: 0, polls: 0, errors: 0, status: "connecting" };
  window.grad4jDashboard = status;

  const $ = (id) => document.getElementById(id);

  function fmt(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return "\u2013";
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
    if (a >= 1000) return Math.round(v).toLocaleString("en");
    const t = v.toPrecision(digits || 4);
    return t.includes(".") && !t.includes("e") ? t.replace(/0+$/, "").replace(/\.$/, "") : t;
  }
  const pct = (v) => (v === null || !isFinite(v) ? "\u2013" : (100 * v).toFixed(2) + "%");

  // ---------------------------------------------------------------- polling

  let timer = null;
  async function poll() {
    try {
      const res = await fetch("/api/state?since=" + data.batches.step.length, { cache: "no-store" });
      if (!res.ok) throw new Error("HTTP " + res.status + ": " + (await res.text()));
      const s = await res.json();
      if (s.since !== data.batches.step.length) {
        // The server went back (a new run in the same place): start over.
        for (const k in data.batches) data.batches[k].length = 0;
      }
      for (const k in data.batches) {
        const col = s.batches[k];
        for (let i = 0; i < col.length; i++) data.batches[k].push(col[i]);
      }
      data.epochs = s.epoch_results;
      const first = data.state === null;
      data.state = s;
      status.polls++;
      status.status = s.status;
      if (first) showRun(s);
      showPictures(s);
      render();
      timer = setTimeout(poll, s.status === "training" ? 1000 : 5000);
    } catch (e) {
      status.errors++;
      setStatus("offline", "offline");
      $("where").textContent = "No answer from grad4j (" + e.message + "); retrying.";
      timer = setTimeout(poll, 3000);
    }
  }

  function setStatus(cls, text) {
    const el = $("status");
    el.className = "status " + cls;
    el.textContent = text;
  }

  // ---------------------------------------------------------------- the run's description

  function showRun(s) {
    document.title = s.title + " \u2013 grad4j";
    $("title").textContent = s.title;
    const body = $("facts").tBodies[0];
    body.textContent = "";
    for (const [k, v] of Object.entries(s.facts)) {
      const tr = body.insertRow();
      tr.insertCell().textContent = k.replace(/_/g, " ");
      tr.insertCell().textContent = v;
    }
    $("summary").textContent = s.summary || "No model file, so no layer table.";
  }

  let graphShown = null;
  let attackShown = undefined;
  let attackVersion = 0;
  function showPictures(s) {
    if (s.graph !== graphShown) {
      graphShown = s.graph;
      const img = $("graph");
      const hint = $("graph-hint");
      if (s.graph === "svg") {
        img.hidden = false;
        img.onerror = () => showDot("Graphviz could not draw the graph; here is its DOT text.");
        img.src = "/graph.svg";
      } else if (s.graph === "dot") {
        showDot("Graphviz's dot is not installed here, so this is the DOT text (render it with: dot -Tsvg).");
      } else {
        img.hidden = true;
        $("graph-link").hidden = true;
        hint.hidden = false;
        hint.textContent = "No graph for this run.";
      }
    }
    if (s.attack !== attackShown) {
      attackShown = s.attack;
      const img = $("attack");
      const hint = $("attack-hint");
      if (s.attack) {
        img.hidden = false;
        img.src = "/attack.png?v=" + ++attackVersion;
        hint.textContent = s.attack;
      } else {
        img.hidden = true;
        fetch("/attack.png", { cache: "no-store" })
          .then((r) => r.text())
          .then((t) => (hint.textContent = t));
      }
    }
  }

  function showDot(why) {
    $("graph").hidden = true;
    $("graph-link").href = "/graph.dot";
    const hint = $("graph-hint");
    hint.hidden = false;
    hint.textContent = why;
    fetch("/graph.dot")
      .then((r) => r.text())
      .then((t) => {
        const pre = $("graph-dot");
        pre.hidden = false;
        pre.textContent = t;
      });
  }

  // ---------------------------------------------------------------- numbers and table

  function render() {
    const s = data.state;
    const b = data.batches;
    const n = b.step.length;
    const last = (col) => (n > 0 ? col[n - 1] : null);
    const lastEpoch = data.epochs.length > 0 ? data.epochs[data.epochs.length - 1] : null;
    setStatus(s.status, s.status === "failed" ? "failed: " + (s.failure || "") : s.status);

    const per = s.batches_per_epoch || 1;
    const done = n > 0 ? last(b.epoch) - 1 + last(b.batch) / per : 0;
    const fraction = s.status === "finished" ? 1 : Math.min(1, done / Math.max(1, s.epochs));
    $("progress-bar").style.width = (100 * fraction).toFixed(1) + "%";
    $("where").textContent =
      s.status !== "training" && n > 0
        ? data.epochs.length + " of " + s.epochs + " epochs done \u00b7 " + last(b.step) + " steps"
        : n > 0
        ? "epoch " + last(b.epoch) + "/" + s.epochs + " \u00b7 batch " + last(b.batch) + "/" + per +
          " \u00b7 step " + last(b.step) + " \u00b7 " + fmt(last(b.seconds), 3) + " s into the epoch"
        : "waiting for the first batch";

    $("n-loss").textContent = fmt(last(b.loss));
    $("n-acc").textContent = n > 0 ? pct(last(b.accuracy)) : "\u2013";
    $("n-test-loss").textContent = lastEpoch ? fmt(lastEpoch.test_loss) : "\u2013";
    $("n-test-acc").textContent = lastEpoch ? pct(lastEpoch.test_accuracy) : "\u2013";
    $("n-lr").textContent = fmt(last(b.lr));
    $("n-speed").textContent = n > 0 ? Math.round(last(b.examples_per_second)).toLocaleString("en") : "\u2013";

    const body = $("epochs").tBodies[0];
    if (body.rows.length !== data.epochs.length) {
      body.textContent = "";
      for (const e of data.epochs) {
        const tr = body.insertRow();
        for (const v of [
          e.epoch, fmt(e.train_loss), pct(e.train_accuracy), fmt(e.test_loss), pct(e.test_accuracy),
          fmt(e.lr), fmt(e.seconds, 3), e.examples_per_second === null ? "\u2013" : Math.round(e.examples_per_second).toLocaleString("en"),
        ]) tr.insertCell().textContent = v;
      }
    }
    $("no-epochs").hidden = data.epochs.length > 0;
    drawAll();
  }

  // ---------------------------------------------------------------- charts

  // x of a batch: epochs done, as a fraction (epoch 2, batch 50 of 100 is 1.5).
  function batchX() {
    const per = data.state.batches_per_epoch || 1;
    const b = data.batches;
    const xs = new Array(b.step.length);
    for (let i = 0; i < xs.length; i++) xs[i] = b.epoch[i] - 1 + b.batch[i] / per;
    return xs;
  }

  function drawAll() {
    if (!data.state) return;
    const xs = batchX();
    const ex = data.epochs.map((e) => e.epoch);
    const b = data.batches;
    const xMax = Math.max(1, data.state.epochs, xs.length ? xs[xs.length - 1] : 0);
    const col = (k) => data.epochs.map((e) => e[k]);
    chart($("chart-loss"), xMax, [
      { name: "train (epoch so far)", color: COLORS.train, xs: xs, ys: b.loss },
      { name: "train, per epoch", color: COLORS.trainEpoch, xs: ex, ys: col("train_loss"), dots: true },
      { name: "test, per epoch", color: COLORS.test, xs: ex, ys: col("test_loss"), dots: true },
    ]);
    chart($("chart-acc"), xMax, [
      { name: "train (epoch so far)", color: COLORS.train, xs: xs, ys: b.accuracy.map((v) => 100 * v) },
      { name: "train, per epoch", color: COLORS.trainEpoch, xs: ex, ys: col("train_accuracy").map((v) => (v === null ? null : 100 * v)), dots: true },
      { name: "test, per epoch", color: COLORS.test, xs: ex, ys: col("test_accuracy").map((v) => (v === null ? null : 100 * v)), dots: true },
    ], "%");
    chart($("chart-lr"), xMax, [{ name: "learning rate", color: COLORS.lr, xs: xs, ys: b.lr }], "", true);
    chart($("chart-speed"), xMax, [{ name: "examples/s (epoch so far)", color: COLORS.speed, xs: xs, ys: b.examples_per_second }], "", true);
    status.points = xs.length;
    document.body.dataset.points = String(xs.length);
    document.body.dataset.epochs = String(ex.length);
  }

  // Round tick steps: 1, 2 or 5 times a power of ten, about `count` of them.
  function ticks(lo, hi, count) {
    const span = hi - lo || Math.abs(hi) || 1;
    const raw = span / count;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || 10 * p;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  function chart(canvas, xMax, series, unit, fromZero) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (w === 0 || h === 0) return;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = "11px system-ui, sans-serif";

    let lo = Infinity;
    let hi = -Infinity;
    for (const s of series) for (const y of s.ys) if (y !== null && isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
    const left = 56, right = 12, top = 24, bottom = 28;
    const pw = w - left - right, ph = h - top - bottom;
    if (lo === Infinity) {
      g.fillStyle = "#667085";
      g.fillText("waiting for the first batch\u2026", left + 8, top + ph / 2);
      return;
    }
    if (fromZero) lo = Math.min(lo, 0);
    if (hi === lo) { hi += Math.abs(hi) * 0.1 || 1; lo -= fromZero ? 0 : Math.abs(lo) * 0.1 || 1; }
    const pad = (hi - lo) * 0.05;
    if (!fromZero || lo < 0) lo -= pad;
    hi += pad;
    const X = (x) => left + (x / xMax) * pw;
    const Y = (y) => top + (1 - (y - lo) / (hi - lo)) * ph;

    // grid and axes
    g.strokeStyle = "#e3e6ea";
    g.fillStyle = "#667085";
    g.lineWidth = 1;
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (const t of ticks(lo, hi, 5)) {
      const y = Math.round(Y(t)) + 0.5;
      g.beginPath(); g.moveTo(left, y); g.lineTo(left + pw, y); g.stroke();
      g.fillText(fmt(t, 3) + (unit || ""), left - 6, y);
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    for (const t of ticks(0, xMax, Math.min(10, Math.max(2, Math.round(pw / 70))))) {
      const x = Math.round(X(t)) + 0.5;
      g.beginPath(); g.moveTo(x, top); g.lineTo(x, top + ph); g.stroke();
      g.fillText(String(t), x, top + ph + 6);
    }
    g.textAlign = "right";
    g.fillText("epochs", left + pw, top + ph + 16 > h - 10 ? h - 10 : top + ph + 16);

    // curves: at most ~2 points per pixel column, so long runs draw fast
    g.save();
    g.beginPath(); g.rect(left, top - 4, pw, ph + 8); g.clip();
    for (const s of series) {
      g.strokeStyle = s.color;
      g.fillStyle = s.color;
      g.lineWidth = s.dots ? 1.5 : 1.75;
      const n = s.ys.length;
      const stride = Math.max(1, Math.floor(n / (2 * pw)));
      g.beginPath();
      let pen = false;
      // every stride-th point, and always the newest
      for (let i = 0; i < n; i = i === n - 1 ? n : Math.min(i + stride, n - 1)) {
        const y = s.ys[i];
        if (y === null || !isFinite(y)) { pen = false; continue; }
        if (pen) g.lineTo(X(s.xs[i]), Y(y)); else { g.moveTo(X(s.xs[i]), Y(y)); pen = true; }
      }
      g.stroke();
      if (s.dots) {
        for (let i = 0; i < n; i++) {
          if (s.ys[i] === null || !isFinite(s.ys[i])) continue;
          g.beginPath(); g.arc(X(s.xs[i]), Y(s.ys[i]), 3.5, 0, 2 * Math.PI); g.fill();
        }
      }
    }
    g.restore();

    // legend
    g.textAlign = "left";
    g.textBaseline = "middle";
    let lx = left;
    for (const s of series) {
      g.fillStyle = s.color;
      if (s.dots) { g.beginPath(); g.arc(lx + 6, 10, 3.5, 0, 2 * Math.PI); g.fill(); }
      else g.fillRect(lx, 9, 14, 2.5);
      g.fillStyle = "#1d2330";
      g.fillText(s.name, lx + 18, 10);
      lx += 18 + g.measureText(s.name).width + 16;
    }
  }

  window.addEventListener("resize", drawAll);
  document.addEventListener("DOMContentLoaded", () => {
    $("graph").addEventListener("click", (e) => e.target.classList.toggle("fit"));
  });
  document.addEventListener("DOMContentLoaded", poll);
})();
