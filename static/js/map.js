/* Public station map: markers and result list from /map/stations.json, refreshed every 30 seconds.
   Works without tiles (markers on a plain background with a light graticule) and without this script (the
   server-rendered list). Every text from the data goes in through textContent, never as HTML. */
(function () {
  "use strict";

  const REFRESH_MS = 30000;
  const shell = document.getElementById("map-shell");
  const form = document.getElementById("map-filters");
  const list = document.getElementById("station-list");
  const countLabel = document.getElementById("result-count");
  const live = document.getElementById("live-status");
  const inArea = document.getElementById("in-area");
  const nearMe = document.getElementById("near-me");
  const endpoint = shell.dataset.endpoint;
  const tileUrl = shell.dataset.tileUrl;

  document.querySelectorAll(".js-only").forEach((el) => el.classList.add("js-ready"));

  const map = L.map("map", { zoomControl: true, worldCopyJump: true });
  map.setView([59.33, 18.07], 6);
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: shell.dataset.tileAttribution || "" }).addTo(map);
  } else {
    map.attributionControl.setPrefix(false);
  }
  const graticule = L.layerGroup().addTo(map);
  const markers = L.layerGroup().addTo(map);
  const byId = new Map();
  let selectedId = null;
  let openPopupId = null;
  let inFlight = null;

  // --- Graticule: some orientation when there are no tiles ---------------------------------------------------
  function drawGraticule() {
    if (tileUrl) return;
    graticule.clearLayers();
    const b = map.getBounds();
    const span = Math.max(b.getNorth() - b.getSouth(), 1e-6);
    const steps = [30, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005];
    const step = steps.find((s) => span / s >= 3 && span / s <= 12) || steps[steps.length - 1];
    const style = { color: "#94a3b8", weight: 1, opacity: 0.35, interactive: false };
    for (let lat = Math.ceil(b.getSouth() / step) * step; lat <= b.getNorth(); lat += step) {
      L.polyline([[lat, b.getWest()], [lat, b.getEast()]], style).addTo(graticule);
    }
    for (let lon = Math.ceil(b.getWest() / step) * step; lon <= b.getEast(); lon += step) {
      L.polyline([[b.getSouth(), lon], [b.getNorth(), lon]], style).addTo(graticule);
    }
  }

  // --- Rendering ------------------------------------------------------------------------------------------------
  function state(s) {
    if (!s.is_open) return "closed";
    return s.available_count > 0 ? "free" : "busy";
  }
  const COLOURS = { free: "#16a34a", busy: "#ea580c", closed: "#94a3b8" };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function kw(value) {
    return (Math.round(value * 10) / 10).toString();
  }

  function plugChips(s) {
    const wrap = el("div", "station-plugs");
    s.connectors.forEach((c) => {
      const label = `${c.label} ${kw(c.max_power_kw)} kW${c.count > 1 ? " ×" + c.count : ""}`;
      wrap.appendChild(el("span", "plug plug-" + c.power_type.toLowerCase(), label));
    });
    return wrap;
  }

  function priceText(s) {
    const p = s.price_example;
    if (!p) return null;
    return `${p.energy_kwh} kWh ≈ ${p.amount} ${p.currency}${p.includes_vat ? "" : " excl. VAT"}`;
  }

  function popupContent(s) {
    const box = el("div", "popup");
    box.appendChild(el("div", "popup-name", s.name));
    box.appendChild(el("div", "popup-address", s.address));
    if (s.operator) box.appendChild(el("div", "popup-operator", s.operator));
    box.appendChild(plugChips(s));
    const meta = el("div", "popup-meta");
    const st = state(s);
    meta.appendChild(el("span", "popup-state popup-" + st,
      st === "closed" ? "Closed now" : `${s.available_count} of ${s.evse_count} free`));
    const price = priceText(s);
    if (price) meta.appendChild(el("span", "price", price));
    box.appendChild(meta);
    return box;
  }

  function listItem(s) {
    const li = el("li", "station");
    li.dataset.id = s.id;
    li.tabIndex = 0;
    const top = el("div", "station-top");
    top.appendChild(el("span", "station-dot " + state(s)));
    top.appendChild(el("span", "station-name", s.name));
    if (s.distance_km !== null) top.appendChild(el("span", "station-distance", `${kw(s.distance_km)} km`));
    li.appendChild(top);
    li.appendChild(el("div", "station-address", s.address));
    li.appendChild(plugChips(s));
    const meta = el("div", "station-meta");
    meta.appendChild(el("span", "availability", `${s.available_count} of ${s.evse_count} free`));
    if (!s.is_open) meta.appendChild(el("span", "badge text-bg-secondary", "Closed now"));
    const price = priceText(s);
    if (price) meta.appendChild(el("span", "price", price));
    li.appendChild(meta);
    if (s.id === selectedId) li.classList.add("selected");
    li.addEventListener("click", () => select(s.id, true));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") select(s.id, true); });
    li.addEventListener("mouseenter", () => highlight(s.id, true));
    li.addEventListener("mouseleave", () => highlight(s.id, false));
    return li;
  }

  function markerFor(s) {
    const radius = s.max_power_kw >= 150 ? 11 : s.max_power_kw >= 50 ? 9 : 7;
    const marker = L.circleMarker([s.lat, s.lon], {
      radius, color: "#ffffff", weight: 2, fillColor: COLOURS[state(s)], fillOpacity: 0.95,
    });
    marker.bindTooltip(s.name, { direction: "top", offset: [0, -radius] });
    marker.bindPopup(() => popupContent(s), { maxWidth: 280 });
    marker.on("click", () => select(s.id, false));
    marker.on("popupopen", () => { openPopupId = s.id; });
    marker.on("popupclose", () => { if (openPopupId === s.id) openPopupId = null; });
    // A circle marker is a bare SVG path: name it for screen readers (the result list is the keyboard way in).
    marker.on("add", () => {
      const path = marker.getElement();
      if (!path) return;
      path.setAttribute("role", "img");
      path.setAttribute("aria-label", `${s.name}, ${s.available_count} of ${s.evse_count} free`);
    });
    return marker;
  }

  function highlight(id, on) {
    const entry = byId.get(id);
    if (entry) entry.marker.setStyle({ color: on ? "#0f172a" : "#ffffff", weight: on ? 3 : 2 });
  }

  function select(id, fromList) {
    selectedId = id;
    list.querySelectorAll(".station.selected").forEach((n) => n.classList.remove("selected"));
    const item = list.querySelector(`.station[data-id="${id}"]`);
    if (item) {
      item.classList.add("selected");
      if (!fromList) item.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    const entry = byId.get(id);
    if (entry && fromList) {
      map.flyTo(entry.marker.getLatLng(), Math.max(map.getZoom(), 14), { duration: 0.6 });
      entry.marker.openPopup();
    }
  }

  function render(data, fit) {
    const reopen = openPopupId; // a live refresh must not close the popup the driver is reading
    const sidebar = list.parentElement;
    const scroll = sidebar.scrollTop;
    markers.clearLayers();
    byId.clear();
    list.replaceChildren();
    data.stations.forEach((s) => {
      const marker = markerFor(s).addTo(markers);
      byId.set(s.id, { marker, station: s });
      list.appendChild(listItem(s));
    });
    if (!data.stations.length) list.appendChild(el("li", "station-empty", "No stations match these filters."));
    const n = data.stations.length;
    countLabel.textContent = `${n}${data.more ? "+" : ""} station${n === 1 ? "" : "s"}`;
    const note = document.getElementById("more-note");
    if (note) note.hidden = !data.more;
    if (fit && n) {
      const bounds = L.latLngBounds(data.stations.map((s) => [s.lat, s.lon]));
      map.fitBounds(bounds.pad(0.15), { maxZoom: 14, animate: false });
    }
    sidebar.scrollTop = scroll;
    if (reopen !== null && byId.has(reopen)) byId.get(reopen).marker.openPopup();
    const at = new Date(data.generated_at);
    live.title = "Availability updated " + at.toLocaleTimeString();
    live.classList.remove("stale");
  }

  // --- Querying -------------------------------------------------------------------------------------------------
  function params() {
    const p = new URLSearchParams(new FormData(form));
    for (const [key, value] of Array.from(p.entries())) if (value === "") p.delete(key);
    if (inArea.checked) {
      const b = map.getBounds();
      const clamp = (v, lim) => Math.max(-lim, Math.min(lim, v));
      p.set("bbox", [clamp(b.getSouth(), 90), clamp(b.getWest(), 180), clamp(b.getNorth(), 90), clamp(b.getEast(), 180)]
        .map((v) => v.toFixed(5)).join(","));
    } else {
      p.delete("bbox");
    }
    return p;
  }

  async function load({ fit = false, quiet = false } = {}) {
    const query = params();
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    if (!quiet) shell.classList.add("loading");
    try {
      const response = await fetch(`${endpoint}?${query}`, { signal: inFlight.signal, headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok) {
        const messages = Object.entries(data.errors || {}).map(([f, errs]) => `${f}: ${errs.map((e) => e.message).join(" ")}`);
        list.replaceChildren(el("li", "station-empty", messages.join(" ") || "Could not search."));
        return;
      }
      render(data, fit);
      if (!quiet) history.replaceState(null, "", `${location.pathname}${query.toString() ? "?" + query : ""}`);
    } catch (error) {
      if (error.name !== "AbortError") live.classList.add("stale");
    } finally {
      shell.classList.remove("loading");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load({ fit: !inArea.checked });
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "q") return; // typing waits for Enter or the button
    load({ fit: !inArea.checked });
  });
  inArea.addEventListener("change", () => load({ fit: false }));
  map.on("moveend", () => {
    drawGraticule();
    if (inArea.checked) load({ fit: false, quiet: true });
  });

  nearMe.addEventListener("click", () => {
    if (!navigator.geolocation) return;
    nearMe.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.lat.value = position.coords.latitude.toFixed(6);
        form.elements.lon.value = position.coords.longitude.toFixed(6);
        form.elements.radius_km.value = "25";
        inArea.checked = false;
        nearMe.disabled = false;
        load({ fit: true });
      },
      () => { nearMe.disabled = false; },
      { timeout: 10000 },
    );
  });

  setInterval(() => { if (!document.hidden) load({ quiet: true }); }, REFRESH_MS);
  map.whenReady(drawGraticule);
  load({ fit: true });
})();
