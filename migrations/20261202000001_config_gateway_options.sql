-- Per-config options for synchronous image gateways (issue 11):
-- sync_timeout_secs: the bound of one synchronous call in seconds; 0 uses the server's
--   --sync-timeout-secs. A gateway may take minutes before its first byte.
-- image_field: the multipart field name of the input images on nano-banana gateways
--   ('auto': image for one, image[] for several; or always 'image' / 'image[]').
ALTER TABLE config ADD COLUMN sync_timeout_secs INTEGER NOT NULL DEFAULT 0
    CHECK (sync_timeout_secs >= 0);
ALTER TABLE config ADD COLUMN image_field TEXT NOT NULL DEFAULT 'auto'
    CHECK (image_field IN ('auto', 'image', 'image[]'));
