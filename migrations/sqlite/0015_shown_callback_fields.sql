-- A callback's kind now says itself what the API may show of it: the
-- stored callback keeps those fields under "shown". Step Functions
-- callbacks stored before show their account, as they did.
UPDATE pauses SET callback = json_set(callback, '$.shown',
        json_object('aws', json_extract(callback, '$.aws')))
WHERE callback IS NOT NULL
  AND json_extract(callback, '$.kind') = 'step_functions'
  AND json_extract(callback, '$.shown') IS NULL
  AND json_extract(callback, '$.aws') IS NOT NULL;
