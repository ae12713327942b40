/* The Stripe payment page: the card is entered in Stripe.js's Card Element (Stripe's frame, never our page), and
   the hold is confirmed with Stripe from the browser. Our server then asks Stripe itself whether the amount is
   held before the session starts: nothing the browser says is trusted. */
(function () {
  "use strict";
  const form = document.getElementById("pay-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  // Stripe's form and its messages in the page's language (Stripe.js knows "sv" and "en"; else it picks its own).
  const card = stripe.elements({ locale: document.documentElement.lang || "auto" }).create("card", { hidePostalCode: true });
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = form.querySelector("button[type=submit]");
  let prepared = null; // one hold per page: a declined card is tried again on the same hold

  function fail(message) {
    errors.textContent = message;
    button.disabled = false;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    errors.textContent = "";
    button.disabled = true;
    try {
      if (prepared === null) {
        const response = await fetch(form.action || window.location.href, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const answer = await response.json();
        if (!response.ok) return fail(answer.error);
        prepared = answer;
      }
      const result = await stripe.confirmCardPayment(prepared.client_secret, { payment_method: { card: card } });
      if (result.error) return fail(result.error.message);
      const confirm = document.getElementById("confirm-form");
      confirm.action = prepared.confirm_url;
      confirm.submit();
    } catch (error) {
      fail(String(error));
    }
  });
})();
