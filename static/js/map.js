/* The station maps (public /map/ and staff /stations/map/): one script, the shell's data-mode says which.

   - Basemap: with MAP_TILE_URL, real tiles; without, land, coastlines and borders drawn on a canvas from the vendored
     Natural Earth TopoJSON, so the map reads with no tile server and no network beyond this site.
   - First view: the area the matching stations cover (data-extent, from the server).
   - Stations: fetched by bounding box (the view, padded) and zoom as the map moves, and again only when the map
     leaves the area fetched (or, for the database's clusters, changes zoom) or the filters change; every 30 seconds
     quietly, for live availability. Up to MARKER_LIMIT markers come one by one and cluster here
     (leaflet.markercluster); above it the server sends clusters it counted itself.
   - Every text from the data goes in through textContent, never as HTML. */
(function () {
  "use strict";

  const REFRESH_MS = 30000;
  const shell = document.getElementById("map-shell");
  const staff = shell.dataset.mode === "staff";
  const form = document.getElementById("map-filters");
  const list = document.getElementById("station-list");
  const countLabel = document.getElementById("result-count");
  const live = document.getElementById("live-status");
  const moreNote = document.getElementById("more-note");
  const nearMe = document.getElementById("near-me");
  const listToggle = document.getElementById("list-toggle");
  const endpoint = shell.dataset.endpoint;
  const tileUrl = shell.dataset.tileUrl;
  const AREA_FIELDS = ["bbox", "zoom"];
  // The page's wording in its language (chargepoints.map_views.map_text): "%(name)s" marks a value.
  const TEXT = JSON.parse(document.getElementById("map-text").textContent);
  function t(key, values) {
    return TEXT[key].replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  document.querySelectorAll(".js-only").forEach((node) => node.classList.add("js-ready"));

  // The Natural Earth basemap: land, coastlines and borders on one canvas, drawn again after every move from plain
  // arrays of Web Mercator coordinates (0..1). No Leaflet layer per ring and no object per point, and rings off the
  // view are skipped, so the 50m data draws in milliseconds at any zoom.
  const LAND = "#f7f5ef";
  const COAST = "#7f9bb3";
  const BORDER = "#a09a90";
  function mercator(rings) {
    return rings.map((ring) => {
      const xy = new Float64Array(ring.length * 2);
      let x0 = 1, y0 = 1, x1 = 0, y1 = 0;
      ring.forEach(([lon, lat], i) => {
        const phi = Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI / 180;
        const x = 0.5 + lon / 360;
        const y = 0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI);
        xy[2 * i] = x;
        xy[2 * i + 1] = y;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      });
      return { xy, box: [x0, y0, x1, y1] };
    });
  }
  const Basemap = L.Layer.extend({
    initialize(land, borders) {
      this._land = mercator(land);
      this._borders = mercator(borders);
    },
    onAdd(map) {
      this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-animated", map.getPane("basemap"));
      map.on("moveend resize", this._draw, this);
      map.on("zoomanim", this._animateZoom, this);
      this._draw();
    },
    onRemove(map) {
      map.off("moveend resize", this._draw, this);
      map.off("zoomanim", this._animateZoom, this);
      L.DomUtil.remove(this._canvas);
    },
    // As Leaflet's own overlays do (L.ImageOverlay): scale the drawn canvas along with the zoom animation.
    _animateZoom(event) {
      const offset = this._map._latLngBoundsToNewLayerBounds(this._bounds, event.zoom, event.center).min;
      L.DomUtil.setTransform(this._canvas, offset, this._map.getZoomScale(event.zoom));
    },
    _path(ctx, rings, shiftX, view, scale) {
      const [left, top, right, bottom] = view;
      rings.forEach(({ xy, box }) => {
        if (box[2] * scale + shiftX < left || box[0] * scale + shiftX > right || box[3] * scale < top || box[1] * scale > bottom) return;
        let lastX = xy[0] * scale + shiftX - left;
        let lastY = xy[1] * scale - top;
        ctx.moveTo(lastX, lastY);
        for (let i = 2; i < xy.length; i += 2) {
          const x = xy[i] * scale + shiftX - left;
          const y = xy[i + 1] * scale - top;
          if (Math.abs(x - lastX) + Math.abs(y - lastY) < 0.7 && i < xy.length - 2) continue; // under a pixel
          ctx.lineTo(x, y);
          lastX = x;
          lastY = y;
        }
      });
    },
    _draw() {
      const map = this._map;
      const size = map.getSize();
      const pad = size.divideBy(2).round();
      const topLeft = map.containerPointToLayerPoint(pad.multiplyBy(-1)).round();
      const width = size.x + 2 * pad.x;
      const height = size.y + 2 * pad.y;
      const ratio = window.devicePixelRatio || 1;
      const canvas = this._canvas;
      canvas.width = width * ratio;
      canvas.height = height * ratio;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      L.DomUtil.setPosition(canvas, topLeft);
      this._bounds = L.latLngBounds(map.layerPointToLatLng(topLeft), map.layerPointToLatLng(topLeft.add([width, height])));
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      const scale = map.options.crs.scale(map.getZoom()); // the world's width in pixels at this zoom
      const origin = map.getPixelOrigin().add(topLeft); // world pixel of the canvas's top left corner
      const view = [origin.x, origin.y, origin.x + width, origin.y + height];
      // The world repeats sideways at low zoom: draw every copy the canvas shows.
      for (let copy = Math.floor(view[0] / scale); copy <= Math.floor(view[2] / scale); copy++) {
        const shiftX = copy * scale;
        ctx.beginPath();
        this._path(ctx, this._land, shiftX, view, scale);
        ctx.fillStyle = LAND;
        ctx.fill("evenodd");
        ctx.strokeStyle = COAST;
        ctx.lineWidth = 1;
        ctx.setLineDash([]);
        ctx.stroke();
        ctx.beginPath();
        this._path(ctx, this._borders, shiftX, view, scale);
        ctx.strokeStyle = BORDER;
        ctx.setLineDash([4, 3]);
        ctx.stroke();
      }
    },
  });

  const map = L.map("map", { zoomControl: true, worldCopyJump: true, minZoom: 2, maxZoom: 19 });
  map.attributionControl.setPrefix(false);
  fitExtent(shell.dataset.extent ? JSON.parse(shell.dataset.extent) : null);

  let fetched = null; // what the markers on the map are: {bounds, zoom, filters, clustered}
  let inFlight = null;

  // --- Basemap ---------------------------------------------------------------------------------------------------
  let basemapDone = false;
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: shell.dataset.tileAttribution || "" }).addTo(map);
    basemapDone = true;
  } else {
    drawBasemap();
  }

  function drawBasemap() {
    const pane = map.createPane("basemap");
    pane.style.zIndex = 150; // below markers (400), where tiles would be
    pane.style.pointerEvents = "none";
    fetch(shell.dataset.basemap)
      .then((response) => response.json())
      .then((topo) => {
        const land = rings(topojson.feature(topo, topo.objects.land));
        const borders = topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b).coordinates;
        new Basemap(land, borders).addTo(map);
        map.attributionControl.addAttribution("Natural Earth");
        shell.dataset.basemap = "drawn";
      })
      .catch(() => { shell.dataset.basemap = "failed"; })
      .finally(() => { basemapDone = true; markReady(); });
  }

  // Every ring (outline or hole) of a GeoJSON Feature or FeatureCollection of polygons.
  function rings(geojson) {
    const features = geojson.type === "FeatureCollection" ? geojson.features : [geojson];
    return features.flatMap(({ geometry }) => (geometry.type === "Polygon" ? geometry.coordinates : geometry.coordinates.flat()));
  }

  function fitExtent(box) {
    if (!box) {
      map.setView([59.33, 18.07], 5);
      return;
    }
    const bounds = L.latLngBounds([box[0], box[1]], [box[2], box[3]]);
    if (bounds.getNorth() - bounds.getSouth() < 1e-4 && bounds.getEast() - bounds.getWest() < 1e-4) {
      map.setView(bounds.getCenter(), 14, { animate: false });
    } else {
      map.fitBounds(bounds.pad(0.08), { maxZoom: 14, animate: false });
    }
  }

  // --- Markers ---------------------------------------------------------------------------------------------------
  const COLOURS = {
    free: "#16a34a", busy: "#ea580c", closed: "#94a3b8",
    available: "#16a34a", charging: "#2563eb", fault: "#dc2626", unknown: "#94a3b8",
  };
  const STATE_LABELS = TEXT.states;
  const clustered = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 45, chunkedLoading: true, iconCreateFunction: clusterIcon,
  }).addTo(map);
  const serverClusters = L.layerGroup().addTo(map);
  const byId = new Map(); // station id -> marker
  const details = new Map(); // station id -> the list's data for it
  let selectedId = null;

  function clusterIcon(cluster) {
    return countIcon(cluster.getChildCount());
  }

  function countIcon(count) {
    const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    const label = count >= 10000 ? `${Math.round(count / 1000)}k` : String(count);
    const html = `<span aria-hidden="true">${label}</span><span class="visually-hidden">${t("cluster", { count })}</span>`;
    return L.divIcon({ html, className: `map-cluster map-cluster-${size}`, iconSize: L.point(40, 40) });
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function markerFor([id, lat, lon, name, state]) {
    const marker = L.circleMarker([lat, lon], {
      radius: 8, color: "#ffffff", weight: 2, fillColor: COLOURS[state], fillOpacity: 0.95,
    });
    marker.stationState = state;
    marker.bindTooltip(name, { direction: "top", offset: [0, -8] });
    marker.bindPopup(() => popupContent(id, name, state), { maxWidth: 280 });
    marker.on("popupopen", () => { if (!details.has(id)) loadDetails(id, marker, name, state); });
    marker.on("click", () => select(id, false));
    // A circle marker is a bare SVG path: name it for screen readers (the result list is the keyboard way in).
    marker.on("add", () => {
      const path = marker.getElement();
      if (!path) return;
      path.setAttribute("role", "img");
      path.setAttribute("aria-label", `${name}, ${STATE_LABELS[state]}`);
    });
    byId.set(id, marker);
    return marker;
  }

  function serverClusterMarker(cluster) {
    const marker = L.marker([cluster.lat, cluster.lon], {
      icon: countIcon(cluster.count), title: t("stations_other", { count: cluster.count }), keyboard: true,
    });
    const [s, w, n, e] = cluster.bounds;
    marker.on("click", () => map.fitBounds(L.latLngBounds([s, w], [n, e]).pad(0.1), { maxZoom: 16 }));
    return marker;
  }

  // --- The list and popups ---------------------------------------------------------------------------------------
  // Numbers as the page's language writes them (Swedish: decimal comma, space between thousands).
  const LANG = document.documentElement.lang || "en";
  function kw(value) {
    return (Math.round(value * 10) / 10).toLocaleString(LANG);
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
    const amount = Number(p.amount).toLocaleString(LANG, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const text = `${p.energy_kwh.toLocaleString(LANG)} kWh ≈ ${amount} ${p.currency}`;
    return p.includes_vat ? text : `${text} ${TEXT.excl_vat}`;
  }

  function publicState(s) {
    if (!s.is_open) return "closed";
    return s.available_count > 0 ? "free" : "busy";
  }

  const FAULTED = ["OUTOFORDER", "INOPERATIVE"];
  const IN_USE = ["CHARGING", "BLOCKED", "RESERVED"];
  function staffState(s) {
    const has = (names) => names.some((name) => s.statuses[name]);
    if (has(FAULTED)) return "fault";
    if (has(["AVAILABLE"])) return "available";
    if (has(IN_USE)) return "charging";
    return "unknown";
  }

  function statusSummary(s) {
    return Object.entries(s.statuses).map(([status, n]) => `${n} ${TEXT.statuses[status] || status.toLowerCase()}`).join(" · ");
  }

  function popupContent(id, name, state) {
    const box = el("div", "popup");
    const s = details.get(id);
    box.appendChild(el("div", "popup-name", name));
    if (s) box.appendChild(el("div", "popup-address", s.address));
    if (s && s.operator) box.appendChild(el("div", "popup-operator", s.operator));
    if (s && s.connectors) box.appendChild(plugChips(s));
    const meta = el("div", "popup-meta");
    if (staff) {
      meta.appendChild(el("span", "popup-state popup-" + state, s ? statusSummary(s) : STATE_LABELS[state]));
      const link = el("a", "popup-link", TEXT.open_station);
      link.href = shell.dataset.detailUrl.replace("/0/", `/${id}/`);
      meta.appendChild(link);
    } else if (s) {
      meta.appendChild(el("span", "popup-state popup-" + state,
        state === "closed" ? TEXT.closed_now : t("free_of", { free: s.available_count, total: s.evse_count })));
      const price = priceText(s);
      if (price) meta.appendChild(el("span", "price", price));
    } else {
      meta.appendChild(el("span", "popup-state popup-" + state, STATE_LABELS[state]));
    }
    box.appendChild(meta);
    return box;
  }

  // A marker beyond the list's first stations: its popup asks for the station's details once it is open.
  async function loadDetails(id, marker, name, state) {
    try {
      const response = await fetch(`${endpoint}?station=${id}`, { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok || !data.stations.length) return;
      details.set(id, data.stations[0]);
      if (marker.isPopupOpen()) marker.setPopupContent(popupContent(id, name, state));
    } catch (error) {
      // the popup keeps the name and state it has
    }
  }

  function listItem(s) {
    const state = staff ? staffState(s) : publicState(s);
    const li = el("li", "station");
    li.dataset.id = s.id;
    li.tabIndex = 0;
    const top = el("div", "station-top");
    top.appendChild(el("span", "station-dot " + state));
    if (staff) {
      const link = el("a", "station-name", s.name);
      link.href = s.url;
      link.addEventListener("click", (event) => event.stopPropagation());
      top.appendChild(link);
    } else {
      top.appendChild(el("span", "station-name", s.name));
    }
    if (s.distance_km !== undefined && s.distance_km !== null) {
      top.appendChild(el("span", "station-distance", `${kw(s.distance_km)} km`));
    }
    li.appendChild(top);
    li.appendChild(el("div", "station-address", s.address));
    const meta = el("div", "station-meta");
    if (staff) {
      meta.appendChild(el("span", "status-summary", statusSummary(s) || "no EVSEs"));
    } else {
      li.appendChild(plugChips(s));
      meta.appendChild(el("span", "availability", t("free_of", { free: s.available_count, total: s.evse_count })));
      if (!s.is_open) meta.appendChild(el("span", "badge text-bg-secondary", TEXT.closed_now));
      const price = priceText(s);
      if (price) meta.appendChild(el("span", "price", price));
    }
    li.appendChild(meta);
    if (s.id === selectedId) li.classList.add("selected");
    li.addEventListener("click", () => select(s.id, true));
    li.addEventListener("keydown", (event) => { if (event.key === "Enter") select(s.id, true); });
    return li;
  }

  function select(id, fromList) {
    selectedId = id;
    list.querySelectorAll(".station.selected").forEach((n) => n.classList.remove("selected"));
    const item = list.querySelector(`.station[data-id="${id}"]`);
    if (item) {
      item.classList.add("selected");
      if (!fromList) item.scrollIntoView({ block: "nearest" });
    }
    const marker = byId.get(id);
    if (marker && fromList) clustered.zoomToShowLayer(marker, () => marker.openPopup());
  }

  function render(data) {
    const sidebar = list.parentElement;
    const scroll = sidebar.scrollTop;
    const area = data.area;
    details.clear();
    data.stations.forEach((s) => details.set(s.id, s));
    clustered.clearLayers();
    serverClusters.clearLayers();
    byId.clear();
    if (area.clusters.length) {
      area.clusters.forEach((c) => serverClusters.addLayer(serverClusterMarker(c)));
    } else {
      clustered.addLayers(area.markers.map(markerFor));
    }
    list.replaceChildren(...data.stations.map(listItem));
    if (!data.stations.length) list.appendChild(el("li", "station-empty", TEXT.no_match));
    const n = data.count;
    const counted = t(n === 1 ? "stations_one" : "stations_other", { count: n.toLocaleString(LANG) });
    countLabel.textContent = staff ? t("in_area", { stations: counted }) : counted;
    moreNote.hidden = !data.more;
    sidebar.scrollTop = scroll;
    live.title = t("updated", { time: new Date(data.generated_at).toLocaleTimeString(LANG) });
    live.classList.remove("stale");
  }

  // --- Querying --------------------------------------------------------------------------------------------------
  function filterParams() {
    const p = new URLSearchParams(new FormData(form));
    for (const [key, value] of Array.from(p.entries())) if (value === "" || AREA_FIELDS.includes(key)) p.delete(key);
    return p;
  }

  function clamp(value, limit) {
    return Math.max(-limit, Math.min(limit, value));
  }

  function areaBounds() {
    const b = map.getBounds().pad(0.3);
    const wide = b.getEast() - b.getWest() >= 360;
    return L.latLngBounds(
      [clamp(b.getSouth(), 90), wide ? -180 : clamp(b.getWest(), 180)],
      [clamp(b.getNorth(), 90), wide ? 180 : clamp(b.getEast(), 180)],
    );
  }

  function needsFetch() {
    if (!fetched || fetched.filters !== filterParams().toString()) return true;
    if (!fetched.bounds.contains(map.getBounds())) return true;
    return fetched.clustered && fetched.zoom !== map.getZoom();
  }

  async function load({ quiet = false } = {}) {
    const filters = filterParams();
    const bounds = areaBounds();
    const query = new URLSearchParams(filters);
    query.set("bbox", [bounds.getSouth(), bounds.getWest(), bounds.getNorth(), bounds.getEast()].map((v) => v.toFixed(5)).join(","));
    query.set("zoom", String(map.getZoom()));
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    if (!quiet) shell.classList.add("loading");
    try {
      const response = await fetch(`${endpoint}?${query}`, { signal: inFlight.signal, headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok) {
        const messages = Object.entries(data.errors || {}).map(([f, errs]) => `${f}: ${errs.map((e) => e.message).join(" ")}`);
        list.replaceChildren(el("li", "station-empty", messages.join(" ") || TEXT.search_failed));
        return;
      }
      fetched = { bounds, zoom: map.getZoom(), filters: filters.toString(), clustered: data.area.clusters.length > 0 };
      render(data);
      history.replaceState(null, "", `${location.pathname}${filters.toString() ? "?" + filters : ""}`);
      markReady();
    } catch (error) {
      if (error.name !== "AbortError") live.classList.add("stale");
    } finally {
      shell.classList.remove("loading");
    }
  }

  // The map is usable once its stations are on it and its basemap is drawn: the benchmark and tests wait for this.
  function markReady() {
    if (shell.dataset.ready || !fetched || !basemapDone) return;
    shell.dataset.ready = "1";
    performance.mark("map-ready");
  }

  // Filters changed: fit the map to what now matches (the server says where that is), then fetch that area.
  async function refit() {
    const query = filterParams();
    query.set("extent", "1");
    try {
      const response = await fetch(`${endpoint}?${query}`, { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (response.ok && data.extent) fitExtent(data.extent);
    } finally {
      load();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    refit();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "q") return; // typing waits for Enter or the button
    refit();
  });
  let moveTimer = null;
  map.on("moveend", () => {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(() => { if (needsFetch()) load({ quiet: true }); }, 120);
  });

  if (nearMe) {
    nearMe.addEventListener("click", () => {
      if (!navigator.geolocation) return;
      nearMe.disabled = true;
      navigator.geolocation.getCurrentPosition(
        (position) => {
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lon.value = position.coords.longitude.toFixed(6);
          form.elements.radius_km.value = "25";
          nearMe.disabled = false;
          refit();
        },
        () => { nearMe.disabled = false; },
        { timeout: 10000 },
      );
    });
  }

  // On a phone the list starts folded away under the map; the button unfolds it.
  function showList(open) {
    list.hidden = !open;
    moreNote.classList.toggle("folded", !open);
    listToggle.setAttribute("aria-expanded", String(open));
    listToggle.textContent = open ? TEXT.hide_list : TEXT.show_list;
  }
  listToggle.classList.add("js-ready");
  listToggle.addEventListener("click", () => showList(list.hidden));
  if (window.matchMedia("(max-width: 991.98px)").matches) showList(false);

  setInterval(() => { if (!document.hidden) load({ quiet: true }); }, REFRESH_MS);
  load();
})();
