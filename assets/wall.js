/* The wall in the browser: canvas scaling, connection watch, clock, playlist and map merging.
 *
 * The wall is laid out on a fixed design canvas, 1920×1080 for 16:9 screens and 3840×1080 for
 * 32:9 ones, and scaled with a CSS transform to fill the window, so text keeps its size relative
 * to the wall at any resolution and nothing ever scrolls; a window slightly short of the canvas's
 * shape shortens the canvas instead of shrinking it (see SLACK). Nothing here talks to any host but the
 * app's own.
 */
(function () {
  "use strict";

  var WIDE_ASPECT = 2.6; // at or above this width/height the 32:9 canvas fits better
  // A window up to this share smaller than the canvas's shape (a browser's title bar, a taskbar,
  // a scrollbar) keeps its scale: the canvas gives up that much width or height, its panels
  // share what is left, and text stays the size it was designed at instead of shrinking.
  var SLACK = 0.05;
  var root = document.documentElement;
  var nativeRatio = window.devicePixelRatio || 1;
  var state = { mode: null, scale: 1, w: 0, h: 0 };

  function fit() {
    var w = window.innerWidth, h = window.innerHeight;
    var mode = w / h >= WIDE_ASPECT ? "32x9" : "16x9";
    var cw = mode === "32x9" ? 3840 : 1920, ch = 1080;
    var scale = Math.min(Math.max(w / cw, h / ch), w / (cw * (1 - SLACK)), h / (ch * (1 - SLACK)));
    cw = Math.min(cw, w / scale);
    ch = Math.min(ch, h / scale);
    var x = Math.max(0, (w - cw * scale) / 2), y = Math.max(0, (h - ch * scale) / 2);
    root.style.setProperty("--wall-w", cw + "px");
    root.style.setProperty("--wall-h", ch + "px");
    root.style.setProperty("--wall-scale", String(scale));
    root.style.setProperty("--wall-x", x + "px");
    root.style.setProperty("--wall-y", y + "px");
    var changed = mode !== state.mode || cw !== state.w || ch !== state.h;
    state.mode = mode;
    state.scale = scale;
    state.w = cw;
    state.h = ch;
    root.setAttribute("data-wall-aspect", mode);
    if (changed) {
      // plotly and deck.gl size themselves from their boxes: tell them the boxes changed
      setTimeout(function () { window.dispatchEvent(new Event("resize")); }, 0);
    }
  }

  window.addEventListener("resize", function () {
    var before = state.mode + state.scale;
    fit();
    return before;
  });
  fit();

  // ── connection watch: keep the last data on screen, say the link is down, carry on ──────
  // Also notes which refresh is in flight: a refresh that outlasts the interval would be
  // dropped by Dash when the next one starts, so the next one waits (see `pace`).
  var failures = 0;
  var inFlight = { panels: 0, map: 0 };
  var STUCK_MS = 60000; // a request older than this no longer holds the next refresh back
  var WATCH = { panels: "wall-hashes.data", map: "wall-map-state.data" };

  function setOffline(off) {
    root.classList.toggle("wall-offline", off);
  }
  function refreshOf(init) {
    var body = init && typeof init.body === "string" ? init.body : "";
    if (body.indexOf(WATCH.panels) >= 0) { return "panels"; }
    if (body.indexOf(WATCH.map) >= 0) { return "map"; }
    return null;
  }
  var realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var watched = url.indexOf("_dash-update-component") >= 0;
    var which = watched ? refreshOf(init) : null;
    if (which) { inFlight[which] = Date.now(); }
    return realFetch(input, init).then(function (res) {
      if (which) { inFlight[which] = 0; }
      if (watched) {
        failures = res.status >= 500 ? failures + 1 : 0;
        setOffline(failures > 0);
      }
      return res;
    }, function (err) {
      if (which) { inFlight[which] = 0; }
      if (!watched) { throw err; }
      failures += 1;
      setOffline(true);
      // Server unreachable: answer as "no update" (204) so the wall keeps its last data and
      // the next refresh simply tries again; the badge says the link is down.
      return new Response(null, { status: 204, statusText: "offline" });
    });
  };
  function busy(which) {
    return inFlight[which] && Date.now() - inFlight[which] < STUCK_MS;
  }
  window.brainWall = { state: state, fit: fit, offline: function () { return failures > 0; },
                       inFlight: inFlight };

  // ── functions of the clientside callbacks (callbacks/wall.py) ───────────────────────────
  var TZ = "Asia/Shanghai";
  function two(n) { return (n < 10 ? "0" : "") + n; }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wall: {
      clock: function (_n, lang) {
        var now = new Date();
        var parts = {};
        new Intl.DateTimeFormat("en-GB", {
          timeZone: TZ, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
        }).formatToParts(now).forEach(function (p) { parts[p.type] = p.value; });
        var time = parts.hour + ":" + parts.minute + ":" + parts.second;
        var date = lang === "en"
          ? now.toLocaleDateString("en-GB", { timeZone: TZ, year: "numeric", month: "short",
                                              day: "numeric", weekday: "short" })
          : now.toLocaleDateString("zh-CN", { timeZone: TZ, year: "numeric", month: "long",
                                              day: "numeric", weekday: "long" });
        return [time, date];
      },
      // the playlist's domain in focus; none while an officer has pushed an alert to the wall
      // (the map flies to it), and the playlist goes on where it was once it is released
      focus: function (n, pushed, config) {
        var list = (config && config.playlist) || [];
        if (!list.length || pushed) { return null; }
        var seq = [null].concat(list);
        return seq[(n || 0) % seq.length];
      },
      canvasClass: function (focus, pushed, config) {
        var cls = "wall-canvas";
        if (config && config.kiosk) { cls += " wall--kiosk"; }
        if (focus) { cls += " wall--focus wall--focus-" + focus; }
        if (pushed) { cls += " wall--pushed"; }
        return cls;
      },
      // the refresh count, unless the previous refresh is still on its way (the page's first
      // refresh runs on load, so the interval's initial call sends nothing)
      pace: function (n) {
        return !n || busy("panels") ? window.dash_clientside.no_update : n;
      },
      paceMap: function (n) {
        return !n || busy("map") ? window.dash_clientside.no_update : n;
      },
      aspect: function (_n, current) {
        var mode = state.mode || "16x9";
        return mode === current ? window.dash_clientside.no_update : mode;
      },
      mergeMap: function (delta, spec) {
        return mergeMap(delta, spec);
      }
    }
  });

  // Apply a map delta (layouts/wall_map.py): a whole spec, or per-layer row upserts/removals
  // keyed by row id, leaving unchanged layers (and their data arrays) exactly as they were.
  function mergeMap(delta, spec) {
    if (!delta) { return window.dash_clientside.no_update; }
    if (delta.full) { return sharp(delta.full); }
    if (!spec || !spec.layers) { return window.dash_clientside.no_update; }
    var layers = spec.layers.slice();
    Object.keys(delta.layers || {}).forEach(function (id) {
      var change = delta.layers[id];
      var i = layers.findIndex(function (l) { return l.id === id; });
      if (i < 0) { return; }
      if (change.layer) { layers[i] = change.layer; return; }
      var gone = {};
      (change.del || []).forEach(function (k) { gone[k] = true; });
      var upsert = change.set || {};
      var seen = {};
      var rows = [];
      (layers[i].data || []).forEach(function (row, j) {
        var k = rowKey(row, j);
        if (gone[k]) { return; }
        if (upsert[k] !== undefined) { rows.push(upsert[k]); seen[k] = true; } else { rows.push(row); }
      });
      Object.keys(upsert).forEach(function (k) { if (!seen[k]) { rows.push(upsert[k]); } });
      layers[i] = Object.assign({}, layers[i], { data: rows });
    });
    return sharp(Object.assign({}, spec, { layers: layers }));
  }

  // On a canvas scaled up to a large wall the map must draw at the scaled size to stay sharp.
  function sharp(spec) {
    var pixels = nativeRatio * Math.max(1, state.scale);
    return pixels === 1 ? spec : Object.assign({}, spec, { useDevicePixels: pixels });
  }

  function rowKey(row, j) {
    return row && row.id !== undefined && row.id !== null ? String(row.id) : "#" + j;
  }
})();
