/* Search and filters of the home page, over the index the page carries (#indeks-cari, the same as cari.json).
   Without JavaScript the form stays hidden and every product is listed. No framework, no network. */
(function () {
  "use strict";
  var data = document.getElementById("indeks-cari");
  var form = document.getElementById("cari");
  if (!data || !form) { return; }
  var index = JSON.parse(data.textContent);
  var cards = {};
  document.querySelectorAll(".daftar-produk .kartu").forEach(function (card) {
    cards[card.getAttribute("data-slug")] = card;
  });
  var field = function (id) { return document.getElementById(id); };
  var text = field("cari-teks"), category = field("cari-kategori"), institution = field("cari-lembaga");
  var lowest = field("cari-min"), highest = field("cari-maks"), result = field("hasil-cari");

  function folded(value) {
    return (value || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  index.forEach(function (item) {
    item.teks = folded([item.nama, item.lembaga_nama, item.kategori_nama].join(" "));
  });

  function matches(item, words, wanted) {
    if (wanted.kategori && item.kategori !== wanted.kategori && item.subkategori !== wanted.kategori) { return false; }
    if (wanted.lembaga && item.lembaga !== wanted.lembaga) { return false; }
    if (wanted.min !== null && item.harga < wanted.min) { return false; }
    if (wanted.maks !== null && item.harga > wanted.maks) { return false; }
    return words.every(function (word) { return item.teks.indexOf(word) !== -1; });
  }

  function number(input) {
    var value = parseInt(input.value, 10);
    return isNaN(value) ? null : value;
  }

  function apply() {
    var words = folded(text.value).split(/\s+/).filter(Boolean);
    var wanted = {kategori: category.value, lembaga: institution.value, min: number(lowest), maks: number(highest)};
    var shown = 0;
    index.forEach(function (item) {
      var card = cards[item.slug];
      if (!card) { return; }
      var show = matches(item, words, wanted);
      card.hidden = !show;
      if (show) { shown += 1; }
    });
    result.textContent = shown === index.length ? index.length + " produk" :
      shown + " dari " + index.length + " produk cocok";
  }

  var params = new URLSearchParams(window.location.search);
  text.value = params.get("q") || "";
  category.value = params.get("kategori") || "";
  institution.value = params.get("lembaga") || "";
  lowest.value = params.get("min") || "";
  highest.value = params.get("maks") || "";
  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  apply();
}());
