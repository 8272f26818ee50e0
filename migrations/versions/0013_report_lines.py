"""report_lines: the report's per-line facts, kept by PostgreSQL triggers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

See groupbot/models/report_lines.py. On PostgreSQL the triggers rebuild an order's rows in
the transaction of any change to the order, its lines or its shipments, and
``report_lines_rebuild()`` (also ``groupbot report --rebuild-lines``) rebuilds the table from
scratch; this revision fills it. On SQLite the table exists (the models say so) and stays
empty: the report joins the tables there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The rows of one order, or of every order: its lines when it is delivered and not cancelled,
# with the courier of the shipment shipped when the order was (as the live report joins it;
# should two share that moment, the first courier by name).
_SELECT = """
    SELECT oi.id, o.id, o.community_id, o.delivered_at, o.deal_id, coalesce(o.group_id, 0),
           oi.product_id, coalesce(s.courier, ''), oi.quantity, oi.paid_minor, oi.refunded_minor
    FROM orders o
    JOIN order_items oi ON oi.order_id = o.id
    LEFT JOIN (SELECT order_id, shipped_at, min(courier) AS courier FROM shipments
               {only_shipments} GROUP BY order_id, shipped_at) s
           ON s.order_id = o.id AND s.shipped_at = o.shipped_at
    WHERE o.delivered_at IS NOT NULL AND o.status <> 'cancelled' {only_orders}
"""
_COLUMNS = ("order_item_id, order_id, community_id, delivered_at, deal_id, group_id, "
            "product_id, courier, quantity, paid_minor, refunded_minor")

FUNCTIONS = [
    f"""
    CREATE FUNCTION report_lines_refresh(p_order bigint) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        DELETE FROM report_lines WHERE order_id = p_order;
        INSERT INTO report_lines ({_COLUMNS})
        {_SELECT.format(only_shipments="WHERE order_id = p_order",
                        only_orders="AND o.id = p_order")};
    END $$
    """,
    f"""
    CREATE FUNCTION report_lines_rebuild() RETURNS bigint
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    DECLARE n bigint;
    BEGIN
        DELETE FROM report_lines;
        INSERT INTO report_lines ({_COLUMNS})
        {_SELECT.format(only_shipments="", only_orders="")};
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
    END $$
    """,
    """
    CREATE FUNCTION report_lines_on_order() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        PERFORM report_lines_refresh(NEW.id);
        RETURN NULL;
    END $$
    """,
    # order_items and shipments: the order a row belonged to, and the one it belongs to now.
    """
    CREATE FUNCTION report_lines_on_order_row() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            PERFORM report_lines_refresh(OLD.order_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.order_id <> OLD.order_id) THEN
            PERFORM report_lines_refresh(NEW.order_id);
        END IF;
        RETURN NULL;
    END $$
    """,
]
TRIGGERS = {
    "report_lines_orders": "AFTER UPDATE OF community_id, status, deal_id, group_id, "
                           "shipped_at, delivered_at ON orders FOR EACH ROW "
                           "EXECUTE FUNCTION report_lines_on_order()",
    "report_lines_order_items": "AFTER INSERT OR DELETE OR UPDATE OF order_id, product_id, "
                                "quantity, paid_minor, refunded_minor ON order_items "
                                "FOR EACH ROW EXECUTE FUNCTION report_lines_on_order_row()",
    "report_lines_shipments": "AFTER INSERT OR DELETE OR UPDATE OF order_id, courier, "
                              "shipped_at ON shipments FOR EACH ROW "
                              "EXECUTE FUNCTION report_lines_on_order_row()",
}
TABLES = {"report_lines_orders": "orders", "report_lines_order_items": "order_items",
          "report_lines_shipments": "shipments"}


def upgrade() -> None:
    op.create_table(
        "report_lines",
        sa.Column("order_item_id", ID, autoincrement=False, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deal_id", ID, nullable=True),
        sa.Column("group_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("courier", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_items.id"], ondelete="CASCADE",
                                name=op.f("fk_report_lines_order_item_id_order_items")),
        sa.PrimaryKeyConstraint("order_item_id", name=op.f("pk_report_lines")),
    )
    with op.batch_alter_table("report_lines", schema=None) as batch_op:
        batch_op.create_index("ix_report_lines_delivered", ["community_id", "delivered_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_report_lines_order_id"), ["order_id"],
                              unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in FUNCTIONS:
        op.execute(sql)
    for name, definition in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {definition}")
    op.execute("SELECT report_lines_rebuild()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in TABLES.items():
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function in ("report_lines_on_order_row()", "report_lines_on_order()",
                         "report_lines_rebuild()", "report_lines_refresh(bigint)"):
            op.execute(f"DROP FUNCTION {function}")
    with op.batch_alter_table("report_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_lines_order_id"))
        batch_op.drop_index("ix_report_lines_delivered")
    op.drop_table("report_lines")
