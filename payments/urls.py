from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("pay/webhooks/<str:gateway>/", views.WebhookView.as_view(), name="webhook"),
    path("pay/p/<str:reference>/", views.StatusView.as_view(), name="status"),
    path("pay/p/<str:reference>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("pay/p/<str:reference>/stop/", views.StopView.as_view(), name="stop"),
    path("pay/p/<str:reference>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    path("pay/<str:evse_id>/sticker/", views.StickerView.as_view(), name="sticker"),
    path("pay/<str:evse_id>/", views.PayView.as_view(), name="pay"),
    path("finance/payments/", views.StaffListView.as_view(), name="staff_list"),
    path("finance/payments/evse/<str:evse_id>/", views.EvseAdHocView.as_view(), name="evse_ad_hoc"),
    path("finance/payments/evse/<str:evse_id>/off/", views.EvseAdHocOffView.as_view(), name="evse_ad_hoc_off"),
    path("finance/payments/<str:reference>/refund/", views.RefundView.as_view(), name="refund"),
    path("finance/payments/<str:reference>/capture/", views.RetryCaptureView.as_view(), name="retry_capture"),
    path("finance/payments/<str:reference>/receipt-email/", views.ResendReceiptView.as_view(), name="resend_receipt"),
]
