"""Domain records: the facts of the practice that reports count (tickets, ratings, complaints, SLA events, knowledge articles,
satisfaction surveys).

Handlers write them through ``HandlerContext.record`` in the step's transaction,
so a KPI is an SQL query over these tables, never a scan of workflow blobs.
Importing this package registers every domain table with the shared metadata.
"""
from app.domain.complaints import Complaint, ComplaintEvent
from app.domain.knowledge import KbArticle
from app.domain.monthly_reports import MonthlyReport
from app.domain.reviews import ReviewMinutes, ServiceReview
from app.domain.satisfaction import CallbackSample, ImprovementAction, SatisfactionCampaign, SatisfactionResponse
from app.domain.sla import SlaEvent
from app.domain.ticket_numbers import TicketCounter
from app.domain.tickets import Ticket, TicketCallback
from app.domain.weekly_survey import Accountability, SurveyAnswer, SurveyItem
from app.domain.work_calendar import CalendarDay, CalendarYear

__all__ = ["Accountability", "CalendarDay", "CalendarYear", "CallbackSample", "Complaint", "ComplaintEvent",
           "ImprovementAction", "KbArticle", "MonthlyReport", "ReviewMinutes", "SatisfactionCampaign",
           "SatisfactionResponse", "ServiceReview", "SlaEvent", "SurveyAnswer", "SurveyItem", "Ticket", "TicketCallback",
           "TicketCounter"]
