from django.urls import path

from . import cdr_views, views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.InvoiceListView.as_view(), name="invoice_list"),
    path("invoices/issue-drafts/", views.IssueDraftsView.as_view(), name="issue_drafts"),
    path("invoices/run/", views.RunNowView.as_view(), name="run_now"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice_pdf"),
    path("invoices/<int:pk>/csv/", views.InvoiceCsvView.as_view(), name="invoice_csv"),
    path("invoices/<int:pk>/issue/", views.InvoiceIssueView.as_view(), name="invoice_issue"),
    path("invoices/<int:pk>/send/", views.InvoiceSendView.as_view(), name="invoice_send"),
    path("invoices/<int:pk>/paid/", views.InvoicePaidView.as_view(), name="invoice_paid"),
    path("invoices/<int:pk>/credit/", views.InvoiceCreditView.as_view(), name="invoice_credit"),
    path("receivables/", views.ReceivablesView.as_view(), name="receivables"),
    path("trends/", views.TrendsView.as_view(), name="trends"),
    path("trends/<slug:key>.csv", views.TrendCsvView.as_view(), name="trend_csv"),
    path("cdrs/", cdr_views.CdrListView.as_view(), name="cdr_list"),
    path("cdrs/csv/", cdr_views.CdrCsvView.as_view(), name="cdr_csv"),
    path("cdrs/<int:pk>/", cdr_views.CdrDetailView.as_view(), name="cdr_detail"),
    path("cdrs/<int:pk>/approve/", cdr_views.CdrApproveView.as_view(), name="cdr_approve"),
    path("cdrs/<int:pk>/void/", cdr_views.CdrVoidView.as_view(), name="cdr_void"),
    path("cdrs/<int:pk>/credit/", cdr_views.CdrCreditView.as_view(), name="cdr_credit"),
    path("cdrs/<int:pk>/reissue/", cdr_views.CdrReissueView.as_view(), name="cdr_reissue"),
]
