// dondoc: the little the pages need beyond htmx (upload progress, highlighting a quoted directive).
document.addEventListener("htmx:xhr:progress", function (evt) {
  var bar = document.getElementById("upload-progress");
  if (bar && evt.detail.lengthComputable) {
    bar.value = Math.round(100 * evt.detail.loaded / evt.detail.total);
    var label = document.getElementById("upload-label");
    if (label) label.textContent = "Đang tải lên " + bar.value + "%";
  }
});
document.addEventListener("mouseover", function (evt) {
  var card = evt.target.closest && evt.target.closest("[data-quote]");
  document.querySelectorAll("mark.on").forEach(function (m) { m.classList.remove("on"); });
  if (card) document.querySelectorAll('mark[data-ids~="' + card.dataset.quote + '"]').forEach(function (m) { m.classList.add("on"); });
});
