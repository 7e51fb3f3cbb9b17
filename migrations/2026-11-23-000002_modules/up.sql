-- The catalog of platform modules a token can be granted.
CREATE TABLE modules (
    id          TEXT PRIMARY KEY CHECK (id ~ '^[a-z][a-z_]*$'),
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    position    INTEGER NOT NULL UNIQUE
);

INSERT INTO modules (id, name, description, position) VALUES
    ('catalog',       'Catalog',       'Products, items and their listings in the marketplace.', 1),
    ('subscriptions', 'Subscriptions', 'Create, change and cancel customer subscriptions.',     2),
    ('billing',       'Billing',       'Invoices, payments and billing statements.',            3),
    ('usage',         'Usage',         'Report and read metered usage records.',                4),
    ('customers',     'Customers',     'Customer accounts, contacts and their users.',          5),
    ('reports',       'Reports',       'Run and download scheduled and ad-hoc reports.',        6),
    ('tokens',        'Tokens',        'Manage API tokens through the token-management API.',   7);
