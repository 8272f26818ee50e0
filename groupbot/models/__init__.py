"""The ORM models. Importing this package registers every table on ``Base.metadata``."""

from groupbot.models import aftercare as aftercare
from groupbot.models import analytics as analytics
from groupbot.models import broadcasts as broadcasts
from groupbot.models import desk as desk
from groupbot.models import photo_bands as photo_bands
from groupbot.models import report_lines as report_lines
from groupbot.models import resolutions as resolutions
from groupbot.models import reviews as reviews
from groupbot.models import scale as scale
from groupbot.models.base import Base, UTCDateTime, utcnow
from groupbot.models.broadcasts import Broadcast, BroadcastDelivery
from groupbot.models.claims import Claim, ClaimEvent, ClaimItem, ClaimPhoto
from groupbot.models.community import (
    ROLE_MEMBER,
    ROLE_ORGANIZER,
    ROLE_REVIEWER,
    Community,
    Group,
    Member,
    Role,
)
from groupbot.models.deals import DEAL_CLOSED, DEAL_OPEN, Deal
from groupbot.models.messaging import Draft, OutboxMessage
from groupbot.models.orders import Order, OrderItem, Product, Shipment
from groupbot.models.photo_bands import PhotoHashBand
from groupbot.models.posts import Post
from groupbot.models.reviews import ClaimReview, Coupon, Refund, ReviewCard

__all__ = [
    "Base",
    "Broadcast",
    "BroadcastDelivery",
    "UTCDateTime",
    "utcnow",
    "ROLE_MEMBER",
    "ROLE_ORGANIZER",
    "ROLE_REVIEWER",
    "Community",
    "Group",
    "Member",
    "Role",
    "Order",
    "OrderItem",
    "Product",
    "Shipment",
    "Deal",
    "DEAL_OPEN",
    "DEAL_CLOSED",
    "Draft",
    "OutboxMessage",
    "Post",
    "Claim",
    "ClaimEvent",
    "ClaimItem",
    "ClaimPhoto",
    "PhotoHashBand",
    "ClaimReview",
    "Coupon",
    "Refund",
    "ReviewCard",
]
